import type { OpenContext } from '@edgeplane/adapter-loop/transport';
import type { JetStreamClient, JetStreamManager } from 'nats';
import { Connection } from './connection.js';
import { CoreSource } from './core-source.js';
import { natsError } from './errors.js';
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
  source: JetStreamSource | CoreSource | undefined;
  private connecting: Promise<Connection> | undefined;
  private sourceReady: Promise<JetStreamSource | CoreSource> | undefined;
  private sinkReady: Promise<Sink> | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private acks: PubAcks | undefined;

  constructor(private readonly options: ResolvedNatsOptions) {}

  connection(): Promise<Connection> {
    this.connecting ??= Connection.open(this.options, (state, error) =>
      this.listener?.(state, error),
    ).catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async manager(c: Connection): Promise<JetStreamManager> {
    this.js ??= c.nc.jetstream({ timeout: this.options.requestTimeoutMs });
    try {
      this.jsm ??= await c.nc.jetstreamManager({ timeout: this.options.requestTimeoutMs });
    } catch (error) {
      throw natsError(error, 'cannot use JetStream');
    }
    return this.jsm;
  }

  /** The source: the core subscription, or the checked (or created) stream and durable. */
  openSource(): Promise<JetStreamSource | CoreSource> {
    this.sourceReady ??= this.setUpSource().catch((error: unknown) => {
      this.sourceReady = undefined;
      throw error;
    });
    return this.sourceReady;
  }

  private async setUpSource(): Promise<JetStreamSource | CoreSource> {
    const c = await this.connection();
    if (this.options.mode === 'core') {
      const core = new CoreSource(this.options, c);
      await core.open();
      this.source = core;
      return core;
    }
    const m = await this.manager(c);
    await ensureStream(m, this.options, false);
    const { ackWaitMs } = await ensureConsumer(m, this.options);
    const report = (e: Parameters<NonNullable<OpenContext['onStateChange']>>[1]) =>
      this.listener?.(c.state, e);
    const s = new JetStreamSource(this.options, c, this.js as JetStreamClient, m, (e) => report(e));
    s.ackWaitMs = ackWaitMs;
    this.source = s;
    return s;
  }

  /** The sink: for JetStream, the stream checked (or created) to take `subject`. */
  openSink(): Promise<Sink> {
    this.sinkReady ??= (async (): Promise<Sink> => {
      const c = await this.connection();
      if (this.options.mode === 'core') return { connection: c, acks: undefined };
      await ensureStream(await this.manager(c), this.options, true);
      if (!this.acks) {
        const acks = new PubAcks(c.nc);
        c.onState((state) => {
          if (state !== 'ready') acks.abandon({ code: 'DISCONNECT' });
        });
        this.acks = acks;
      }
      return { connection: c, acks: this.acks };
    })().catch((error: unknown) => {
      this.sinkReady = undefined;
      throw error;
    });
    return this.sinkReady;
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
