import type { DeclareConsumerParams } from 'rabbitmq-stream-js-client';
import { streamClient } from './client.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import { Session } from './session.js';
import { Signal, waitAny } from './timing.js';
import type { StreamTls } from './tls.js';
import type { ConnectionTarget } from './url.js';

/** How long a probe waits for the last chunk; an empty stream sends none. */
const PROBE_WAIT_MS = 1500;
/** A reading is reused this long (the loop asks every snapshot, once a second by default). */
const REUSE_MS = 5000;

/** Credits for exactly one chunk, and a signal when it has been handled. */
class OneChunk {
  readonly done: Signal = new Signal();
  finished = false;
  onSubscription(): number {
    return 1;
  }
  async onChunkReceived(): Promise<void> {}
  async onChunkCompleted(): Promise<void> {
    this.finished = true;
    this.done.fire();
  }
  async requestCredits(): Promise<void> {}
}

/**
 * Reads the last offset of the stream, the same way on every broker version (StreamStats only
 * exists from 3.11, and gives the first offset of the last chunk, not the last offset): a
 * short subscription at `Offset.last()` receives the last chunk, whose highest offset is the
 * answer. It runs on a connection of its own (lazily opened, dropped on any failure), so the
 * data path's connection is untouched and a subscription id is never reused while live. The
 * source adds what its own consumer saw, so a reused reading only lags behind a consumer that is
 * itself behind.
 */
export class TailProbe {
  private session: Session | undefined;
  private running: Promise<bigint | undefined> | undefined;
  private last: { readonly at: number; readonly offset: bigint | undefined } | undefined;
  private closed = false;

  constructor(
    private readonly options: ResolvedRabbitmqStreamsOptions,
    private readonly target: ConnectionTarget,
    private readonly tls: StreamTls,
  ) {}

  /**
   * The last offset, or `undefined` when the stream is empty or the probe failed. A reading up
   * to 5 s old is reused: each probe is a subscription (and a connection) of its own.
   */
  lastOffset(): Promise<bigint | undefined> {
    if (this.last && Date.now() - this.last.at < REUSE_MS) return Promise.resolve(this.last.offset);
    this.running ??= this.probe()
      .then((offset) => {
        this.last = { at: Date.now(), offset };
        return offset;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async probe(): Promise<bigint | undefined> {
    if (this.closed) return undefined;
    try {
      this.session ??= await Session.connect(
        this.options,
        this.target,
        {
          lost: () => {
            this.session = undefined;
          },
          confirm: () => {},
          publishError: () => {},
        },
        { create: false, ssl: this.tls.ssl() },
      );
      const session = this.session;
      const chunk = new OneChunk();
      let last: bigint | undefined;
      const consumer = await session.subscribe(
        streamClient().Offset.last(),
        chunk as unknown as DeclareConsumerParams['creditPolicy'],
        (m) => {
          if (m.offset !== undefined && (last === undefined || m.offset > last)) last = m.offset;
        },
      );
      if (!chunk.finished) await waitAny([chunk.done], { timeoutMs: PROBE_WAIT_MS });
      await session.unsubscribe(consumer);
      return last;
    } catch {
      this.session?.destroy();
      this.session = undefined;
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }
}
