import type { OpenContext } from '@edgeplane/adapter-loop/transport';
import type { JetStreamClient, JetStreamManager } from 'nats';
import { Connection } from './connection.js';
import { CoreSource } from './core-source.js';
import { natsError, openCancelled } from './errors.js';
import type { ResolvedNatsOptions } from './options.js';
import { PubAcks } from './send.js';
import { ensureConsumer, ensureStream } from './setup.js';
import { JetStreamSource } from './source.js';

/** What a ready sink needs: the connection and, for JetStream, the PubAck collector. */
export interface Sink {
  readonly connection: Connection;
  readonly acks: PubAcks | undefined;
}

/**
 * The connection and the role-specific parts of one transport, each set up once, on `open()` for
 * the role given there or lazily on the first `send()` / `receive()`. A failed setup is retried
 * on the next call.
 */
export class NatsSession {
  /** Where connection-state changes go (`OpenContext.onStateChange`). */
  listener: OpenContext['onStateChange'];
  /** Where consumer changes go (`OpenContext.onGroupEvent`): a durable recreated mid-run. */
  onGroupEvent: OpenContext['onGroupEvent'];
  source: JetStreamSource | CoreSource | undefined;
  private connecting: Promise<Connection> | undefined;
  private sourceReady: Promise<JetStreamSource | CoreSource> | undefined;
  private sinkReady: Promise<Sink> | undefined;
  private managed:
    | { readonly c: Connection; readonly js: JetStreamClient; jsm?: JetStreamManager }
    | undefined;
  /** Bumped by `reset()`. */
  private epoch = 0;
  private acks: PubAcks | undefined;

  constructor(private readonly options: ResolvedNatsOptions) {}

  connection(signal?: AbortSignal): Promise<Connection> {
    if (this.connecting) return this.connecting;
    const p = Connection.open(
      this.options,
      (state, error) => this.listener?.(state, error),
      signal,
    );
    this.connecting = p;
    p.catch(() => {
      if (this.connecting === p) this.connecting = undefined;
    });
    return p;
  }

  /** The JetStream client and manager of connection `c` (made once per connection). */
  private async manager(c: Connection): Promise<JetStreamManager> {
    if (this.managed?.c !== c) {
      this.managed = { c, js: c.nc.jetstream({ timeout: this.options.requestTimeoutMs }) };
    }
    const managed = this.managed;
    try {
      managed.jsm ??= await c.nc.jetstreamManager({ timeout: this.options.requestTimeoutMs });
    } catch (error) {
      throw natsError(error, 'cannot use JetStream');
    }
    return managed.jsm;
  }

  /** Throws when `reset()` ran since `epoch` (a cancelled open's setup must not install itself). */
  private check(epoch: number): void {
    if (epoch !== this.epoch) throw openCancelled();
  }

  /** The source: the core subscription, or the checked (or created) stream and durable. */
  openSource(): Promise<JetStreamSource | CoreSource> {
    if (this.sourceReady) return this.sourceReady;
    const p = this.setUpSource(this.epoch);
    this.sourceReady = p;
    p.catch(() => {
      if (this.sourceReady === p) this.sourceReady = undefined;
    });
    return p;
  }

  private async setUpSource(epoch: number): Promise<JetStreamSource | CoreSource> {
    const c = await this.connection();
    this.check(epoch);
    if (this.options.mode === 'core') {
      const core = new CoreSource(this.options, c);
      await core.open();
      this.check(epoch);
      this.source = core;
      return core;
    }
    const m = await this.manager(c);
    await ensureStream(m, this.options, false);
    const { ackWaitMs, ackFloor } = await ensureConsumer(m, this.options);
    this.check(epoch);
    const s = new JetStreamSource(
      this.options,
      c,
      this.managed?.js as JetStreamClient,
      m,
      (error, state) => this.listener?.(state ?? c.state, error),
      (event) => this.onGroupEvent?.(event),
    );
    s.ackWaitMs = ackWaitMs;
    s.ackFloor = ackFloor;
    this.source = s;
    return s;
  }

  /** The sink: for JetStream, the stream checked (or created) to take `subject`. */
  openSink(): Promise<Sink> {
    if (this.sinkReady) return this.sinkReady;
    const epoch = this.epoch;
    const p = (async (): Promise<Sink> => {
      const c = await this.connection();
      this.check(epoch);
      if (this.options.mode === 'core') return { connection: c, acks: undefined };
      await ensureStream(await this.manager(c), this.options, true);
      this.check(epoch);
      if (!this.acks) {
        const acks = new PubAcks(c.nc);
        c.onState((state) => {
          if (state !== 'ready') acks.abandon(c.failure ?? { code: 'DISCONNECT' });
        });
        this.acks = acks;
      }
      return { connection: c, acks: this.acks };
    })();
    this.sinkReady = p;
    p.catch(() => {
      if (this.sinkReady === p) this.sinkReady = undefined;
    });
    return p;
  }

  /**
   * Forgets everything set up so far (an `open()` was cancelled), and closes it in the
   * background; a later `open()` starts afresh.
   */
  reset(): void {
    const { connecting, sourceReady, source, acks } = this;
    this.connecting = undefined;
    this.sourceReady = undefined;
    this.sinkReady = undefined;
    this.source = undefined;
    this.acks = undefined;
    this.managed = undefined;
    this.epoch++;
    void (async () => {
      const c = await connecting?.catch(() => undefined);
      // closing the connection first ends a setup request that is waiting on a hung server
      await c?.close();
      await sourceReady?.catch(() => undefined);
      await source?.close().catch(() => undefined);
      acks?.close();
    })();
  }

  /** Gives held messages back, then flushes and closes the connection; never rejects. */
  async close(): Promise<void> {
    const c = await this.connecting?.catch(() => undefined);
    await this.sourceReady?.catch(() => undefined);
    await this.source?.close().catch(() => undefined);
    this.acks?.close();
    await c?.close();
  }
}
