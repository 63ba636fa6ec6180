import type { GroupEvent } from '@edgeplane/adapter-loop/transport';
import type { Redis } from 'ioredis';
import { previousId, type ResumePoint } from './acks.js';
import type { Connections } from './connection.js';
import { COMPONENT } from './errors.js';
import { ensureGroup, resolveConsumer } from './group.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

/**
 * What the source side keeps between `open()` and the `receive()` iterations: the consumer name,
 * whether the group is known to exist, and one dedicated connection connected ahead of the first
 * `receive()` (each iteration has its own, for its blocking reads).
 */
export class RedisSource implements ResumePoint {
  consumer: string | undefined;
  stateDir: string | undefined;
  /** See `ResumePoint`: read at open, moved by every ack. */
  resumeAt: string | undefined;
  /** The loop's `onGroupEvent` (claimed entries, a recreated group). */
  onGroupEvent: ((event: GroupEvent) => void) | undefined;
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
    this.resumeAt = await readResumePoint(this.connections, this.options);
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

  /** Reports a group event to the loop; a listener never breaks the source. */
  groupEvent(event: GroupEvent): void {
    try {
      this.onGroupEvent?.(event);
    } catch {
      // ignored
    }
  }

  /** The consumer name (after `open()`). */
  get name(): string {
    if (this.consumer === undefined) throw new Error(`${COMPONENT}: source used before open()`);
    return this.consumer;
  }
}

/**
 * Where the group stands now: just before its oldest pending entry, or its last-delivered id when
 * nothing is pending. Every entry up to it is acknowledged. Undefined when it cannot be read.
 */
export async function readResumePoint(
  connections: Connections,
  options: ResolvedRedisStreamsOptions,
): Promise<string | undefined> {
  try {
    const [groups, pending] = (await connections.cmd
      .pipeline()
      .call('XINFO', 'GROUPS', options.stream)
      .call('XPENDING', options.stream, options.group)
      .exec()) as [[Error | null, unknown], [Error | null, unknown]];
    const summary = pending[1];
    if (Array.isArray(summary) && Number(summary[0]) > 0 && typeof summary[1] === 'string')
      return previousId(summary[1]);
    for (const g of Array.isArray(groups[1]) ? (groups[1] as unknown[][]) : []) {
      const at = (name: string) => g[g.indexOf(name) + 1];
      if (String(at('name')) === options.group) return String(at('last-delivered-id'));
    }
  } catch {
    // not readable now: a later ack sets it
  }
  return undefined;
}
