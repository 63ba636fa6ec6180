import type { Redis } from 'ioredis';
import type { Connections } from './connection.js';
import { COMPONENT } from './errors.js';
import { ensureGroup, resolveConsumer } from './group.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

/**
 * What the source side keeps between `open()` and the `receive()` iterations: the consumer name,
 * whether the group is known to exist, and one dedicated connection connected ahead of the first
 * `receive()` (each iteration has its own, for its blocking reads).
 */
export class RedisSource {
  consumer: string | undefined;
  stateDir: string | undefined;
  private opening: Promise<void> | undefined;
  private spare: Redis | undefined;

  constructor(
    readonly options: ResolvedRedisStreamsOptions,
    readonly connections: Connections,
  ) {}

  /** Resolves the consumer name, creates (or checks) the group, connects a reading connection. Idempotent. */
  open(): Promise<void> {
    this.opening ??= this.openOnce().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    await this.connections.connect(this.connections.cmd);
    this.consumer = await resolveConsumer(this.options, this.stateDir);
    await ensureGroup(this.connections, this.options);
    const spare = this.connections.dedicated();
    await this.connections.connect(spare, 'open a reading connection');
    if (this.connections.closed) this.connections.drop(spare);
    else this.spare = spare;
  }

  /** The connection for one `receive()` iteration (the spare one first); the caller drops it. */
  take(): Redis {
    const spare = this.spare;
    this.spare = undefined;
    if (spare && spare.status !== 'end') return spare;
    const client = this.connections.dedicated();
    // Not connected yet: ioredis connects (and reconnects) by itself; the reader waits for ready.
    client.connect().catch(() => {});
    return client;
  }

  /** The consumer name (after `open()`). */
  get name(): string {
    if (this.consumer === undefined) throw new Error(`${COMPONENT}: source used before open()`);
    return this.consumer;
  }
}
