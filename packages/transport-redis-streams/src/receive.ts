import type {
  EdgeplaneError,
  InboundBatch,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import type { Redis } from 'ioredis';
import { AckLedger, compareIds } from './acks.js';
import { usable, whenReady } from './connection.js';
import { badPosition, groupGone, replyCode } from './errors.js';
import { entryId, type FieldMapping, type RawEntry, type StreamMessage } from './fields.js';
import type { RedisSource } from './source.js';

const ID = /^[0-9]+(-[0-9]+)?$/;

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** The entries of an `XREAD`/`XREADGROUP` Buffer reply for our one stream (none on timeout). */
function entriesOf(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  const stream = reply[0] as [Buffer, RawEntry[]] | undefined;
  return stream?.[1] ?? [];
}

/** Where the group reader is: re-reading this consumer's pending entries after `cursor`, or reading new ones. */
interface GroupCursor {
  /** Pending mode: re-read own pending entries with ids after this one. `undefined`: new entries (`>`). */
  pending: string | undefined;
  /** Skip entries this iteration still has in flight (after a reconnect, a nack, a reclaim). */
  filter: boolean;
  /** The last id read with `>`: after a lost connection, own pending entries after it were delivered but never seen. */
  lastNew: string | undefined;
  /** When to look for entries to reclaim next (ms clock). */
  nextClaim: number;
  /** `XAUTOCLAIM` cursor of a scan in progress (`0-0`: none). */
  claimFrom: string;
  /** After the group was recreated: new entries up to this id may be ones this iteration holds. */
  filterUntil: string | undefined;
}

/**
 * One `receive()` iteration. Reads through the consumer group on a dedicated connection:
 * 1. this consumer's own pending entries from id `0` (what a previous run took but did not
 *    acknowledge: a restart redelivers it, in order);
 * 2. then new entries with `XREADGROUP … BLOCK blockMs STREAMS <stream> >`;
 * 3. every `claimIntervalMs` (and once after 1.), `XAUTOCLAIM` takes over entries idle for
 *    `claimMinIdleMs` on any consumer (one that died), skipping those this iteration holds.
 * After a lost connection it waits for ioredis to reconnect, then re-reads its own pending entries
 * after the last one it saw, so entries delivered with a lost reply are not stranded. With
 * `from`, it replays instead: `XRANGE` after that id, then `XREAD BLOCK` (no group involved;
 * acks still `XACK` the ids).
 */
export async function* receiveBatches(
  source: RedisSource,
  fields: FieldMapping,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const { connections } = source;
  if (connections.fatal) throw connections.fatal;
  const stop = AbortSignal.any([options.signal, connections.halted.signal]);
  if (stop.aborted) return;
  if (options.from !== undefined && !ID.test(options.from)) throw badPosition(options.from);
  await source.open();
  if (stop.aborted) return;
  const client = source.take();
  const onStop = () => connections.drop(client);
  stop.addEventListener('abort', onStop);
  try {
    // A connection made for this iteration is connecting: ioredis keeps trying, we wait.
    if (await whenReady(client, stop)) {
      const reader = new Reader(source, fields, client, stop, options.maxBatchMessages);
      if (options.from === undefined) yield* reader.group();
      else yield* reader.replay(options.from);
    }
    // Halted by a permanent refusal (credentials changed on the server): the iterator throws it.
    if (connections.fatal && !options.signal.aborted) throw connections.fatal;
  } finally {
    stop.removeEventListener('abort', onStop);
    connections.drop(client);
  }
}

class Reader {
  readonly ledger: AckLedger;
  private readonly count: number;
  private transient = 0;
  /** The connection of the last command given (errors are mapped against its state). */
  private issuer: Redis;

  constructor(
    private readonly source: RedisSource,
    private readonly fields: FieldMapping,
    private readonly client: Redis,
    private readonly stop: AbortSignal,
    maxBatchMessages: number | undefined,
  ) {
    const { options } = source;
    this.issuer = client;
    this.ledger = new AckLedger(options, source.connections, source);
    this.count = Math.max(1, Math.min(options.batchMaxMessages, maxBatchMessages ?? Infinity));
  }

  async *group(): AsyncGenerator<InboundBatch> {
    const { options } = this.source;
    const at: GroupCursor = {
      pending: '0',
      filter: false,
      lastNew: undefined,
      nextClaim: options.claimMinIdleMs > 0 ? 0 : Number.POSITIVE_INFINITY,
      claimFrom: '0-0',
      filterUntil: undefined,
    };
    while (!this.stop.aborted) {
      const rewind = this.ledger.rewind;
      if (rewind) {
        this.ledger.rewind = undefined;
        at.pending = rewind.after;
        at.filter = true;
        if (rewind.delayMs > 0) await sleep(rewind.delayMs, this.stop);
        continue;
      }
      let messages: StreamMessage[];
      try {
        messages = await this.next(at);
      } catch (error) {
        if (this.stop.aborted) return;
        await this.recover(
          error,
          at.pending === undefined ? 'XREADGROUP' : 'XREADGROUP (pending)',
          at,
        );
        at.pending ??= at.lastNew ?? '0';
        at.filter = true;
        continue;
      }
      this.transient = 0;
      if (messages.length > 0 && !this.stop.aborted) yield this.ledger.batch(messages);
    }
  }

  /** One read of the group reader: pending, reclaim or new entries. */
  private async next(at: GroupCursor): Promise<StreamMessage[]> {
    const { options } = this.source;
    if (at.pending !== undefined) {
      const raw = await this.readGroup(at.pending, undefined);
      if (raw.length === 0) {
        at.pending = undefined;
        at.filter = false;
        return [];
      }
      at.pending = entryId(raw[raw.length - 1] as RawEntry);
      return this.decode(raw, at.filter);
    }
    const now = Date.now();
    if (now >= at.nextClaim) {
      const raw = await this.claim(at);
      return this.decode(raw, true);
    }
    const block = Math.max(10, Math.min(options.blockMs, at.nextClaim - now));
    const raw = await this.readGroup('>', block);
    if (raw.length === 0) return [];
    const last = entryId(raw[raw.length - 1] as RawEntry);
    at.lastNew = last;
    const filter = at.filterUntil !== undefined;
    if (at.filterUntil !== undefined && compareIds(last, at.filterUntil) >= 0)
      at.filterUntil = undefined;
    return this.decode(raw, filter);
  }

  private async readGroup(id: string, block: number | undefined): Promise<RawEntry[]> {
    const { options } = this.source;
    const args: (string | number)[] = ['GROUP', options.group, this.source.name];
    args.push('COUNT', this.count);
    if (block !== undefined) args.push('BLOCK', block);
    args.push('STREAMS', options.stream, id);
    this.issuer = this.client;
    return entriesOf(await this.client.callBuffer('XREADGROUP', args));
  }

  /**
   * One page of `XAUTOCLAIM`; a finished scan schedules the next one. The `XPENDING … IDLE` sent
   * just before it in the same pipeline says whose entries they were: taking over another
   * consumer's entries (one that died) is reported as a `claimed` group event.
   */
  private async claim(at: GroupCursor): Promise<RawEntry[]> {
    const { options, connections } = this.source;
    this.issuer = connections.cmd;
    const replies = await connections.cmd
      .pipeline()
      .call(
        'XPENDING',
        options.stream,
        options.group,
        'IDLE',
        options.claimMinIdleMs,
        at.claimFrom,
        '+',
        this.count,
      )
      .callBuffer('XAUTOCLAIM', [
        options.stream,
        options.group,
        this.source.name,
        options.claimMinIdleMs,
        at.claimFrom,
        'COUNT',
        this.count,
      ])
      .exec();
    const failed = replies?.find(([e]) => e)?.[0];
    if (failed) throw failed;
    if (!replies) throw new Error('connection closed');
    const owners = new Map<string, string>();
    for (const row of (replies[0]?.[1] ?? []) as [string, string][]) owners.set(row[0], row[1]);
    const reply = replies[1]?.[1] as [Buffer, (RawEntry | null)[]] | null;
    const next = reply?.[0]?.toString('latin1') ?? '0-0';
    at.claimFrom = next;
    if (next === '0-0') at.nextClaim = Date.now() + options.claimIntervalMs;
    const claimed = (reply?.[1] ?? []).filter((e): e is RawEntry => Array.isArray(e));
    this.reportClaimed(claimed, owners);
    return claimed;
  }

  private reportClaimed(claimed: readonly RawEntry[], owners: ReadonlyMap<string, string>): void {
    const { options } = this.source;
    const byOwner = new Map<string, string[]>();
    for (const entry of claimed) {
      const id = entryId(entry);
      const owner = owners.get(id);
      if (owner === undefined || owner === this.source.name) continue;
      const ids = byOwner.get(owner) ?? [];
      ids.push(id);
      byOwner.set(owner, ids);
    }
    for (const [owner, ids] of byOwner) {
      const range = ids.length === 1 ? ids[0] : `${ids[0]}..${ids[ids.length - 1]}`;
      this.source.groupEvent({
        type: 'claimed',
        partitions: [options.stream],
        detail: `took over ${ids.length} entries (${range}) pending on consumer ${JSON.stringify(owner)} of group ${JSON.stringify(options.group)} for over ${options.claimMinIdleMs} ms (\`claimMinIdleMs\`)`,
      });
    }
  }

  /** Replays from `from` (exclusive): `XRANGE` to the end, then `XREAD BLOCK` for what comes next. */
  async *replay(from: string): AsyncGenerator<InboundBatch> {
    const { options, connections } = this.source;
    let after = from;
    let live = false;
    while (!this.stop.aborted) {
      const rewind = this.ledger.rewind;
      if (rewind) {
        this.ledger.rewind = undefined;
        after = rewind.after;
        live = false;
        if (rewind.delayMs > 0) await sleep(rewind.delayMs, this.stop);
        continue;
      }
      let raw: RawEntry[];
      try {
        if (!live) {
          this.issuer = connections.cmd;
          raw = (await connections.cmd.callBuffer('XRANGE', [
            options.stream,
            `(${after}`,
            '+',
            'COUNT',
            this.count,
          ])) as RawEntry[];
          if (raw.length === 0) live = true;
        } else {
          const args = ['COUNT', this.count, 'BLOCK', options.blockMs, 'STREAMS'];
          this.issuer = this.client;
          raw = entriesOf(await this.client.callBuffer('XREAD', [...args, options.stream, after]));
        }
      } catch (error) {
        if (this.stop.aborted) return;
        await this.recover(error, live ? 'XREAD' : 'XRANGE', undefined);
        continue;
      }
      this.transient = 0;
      if (raw.length === 0) continue;
      after = entryId(raw[raw.length - 1] as RawEntry);
      const messages = this.decode(raw, false);
      if (messages.length > 0 && !this.stop.aborted) yield this.ledger.batch(messages);
    }
  }

  /**
   * Decodes entries, skipping (with `filter`) those this iteration holds in flight. A pending
   * entry whose data is gone (`XDEL`, trimming) can never be delivered: it is acknowledged away.
   */
  private decode(raw: readonly RawEntry[], filter: boolean): StreamMessage[] {
    const held = filter ? this.ledger.inFlight() : undefined;
    const out: StreamMessage[] = [];
    const gone: string[] = [];
    for (const entry of raw) {
      const m = this.fields.decode(entry);
      if (!m) gone.push(entryId(entry));
      else if (!held?.has(m.id)) out.push(m);
    }
    if (gone.length > 0) this.dropDeleted(gone);
    return out;
  }

  private dropDeleted(ids: readonly string[]): void {
    const { options, connections } = this.source;
    if (!usable(connections.cmd)) return;
    connections.cmd.call('XACK', options.stream, options.group, ...ids).catch(() => {});
  }

  /**
   * After a failed read: a permanent error is thrown (the loop stops); a lost group is created
   * again (`createGroup`); a lost connection is waited for (ioredis reconnects by itself). Repeated
   * transient errors on a live connection pause 100 ms doubling to 2 s, so they never spin.
   */
  private async recover(
    error: unknown,
    action: string,
    at: GroupCursor | undefined,
  ): Promise<void> {
    const { options, connections } = this.source;
    const mapped: EdgeplaneError = connections.error(
      this.issuer,
      error,
      `${action} of stream ${JSON.stringify(options.stream)}`,
    );
    if (connections.fatal) throw connections.fatal;
    if (replyCode(error) === 'NOGROUP' && at) {
      await this.regroup(at);
      return;
    }
    if (!mapped.retryable) throw mapped;
    const live = usable(this.client) && usable(connections.cmd);
    await whenReady(this.client, this.stop);
    await whenReady(connections.cmd, this.stop);
    if (live) await sleep(this.pause(), this.stop);
  }

  /**
   * The group (or the whole stream) disappeared mid-run: deleted, or the server restarted without
   * persistence. Never recreated from `startId` (a silent replay from the beginning): with
   * `createGroup` it is recreated at the resume point (every entry up to it acknowledged), which
   * is logged (`reconnecting` with a `not-found` error naming what disappeared, a group event);
   * without it, a permanent `not-found` with the `XGROUP CREATE` command that resumes there.
   */
  private async regroup(at: GroupCursor): Promise<void> {
    const { options, connections } = this.source;
    const client = connections.cmd;
    this.issuer = client;
    if (!(await whenReady(client, this.stop))) return;
    const streamGone = (await client.call('TYPE', options.stream).catch(() => '')) === 'none';
    const resumeAt = this.source.resumeAt;
    const gone = groupGone(
      options.stream,
      options.group,
      streamGone,
      resumeAt ?? '<last acknowledged entry id>',
      connections.server,
      options.createGroup && resumeAt !== undefined,
    );
    if (!options.createGroup || resumeAt === undefined) throw gone;
    try {
      await client.call('XGROUP', 'CREATE', options.stream, options.group, resumeAt, 'MKSTREAM');
    } catch (error) {
      if (replyCode(error) !== 'BUSYGROUP') throw connections.error(client, error, 'XGROUP CREATE');
    }
    const detail = `${
      streamGone
        ? `stream ${JSON.stringify(options.stream)} and group ${JSON.stringify(options.group)} disappeared (deleted, or the server restarted without persistence: its entries are lost)`
        : `group ${JSON.stringify(options.group)} of stream ${JSON.stringify(options.stream)} disappeared (deleted)`
    }; recreated it at entry ${resumeAt}, the last acknowledged position known: entries after it are delivered (again), none before it`;
    connections.report('reconnecting', gone);
    this.source.groupEvent({ type: 'assigned', partitions: [options.stream], detail });
    connections.report('ready');
    // Entries this iteration still holds come again from the new group: skip them (their ack,
    // still to come, acknowledges them in the new group).
    let top: string | undefined;
    for (const id of this.ledger.inFlight()) if (!top || compareIds(id, top) > 0) top = id;
    at.filterUntil = top;
    at.pending = undefined;
    at.filter = false;
  }

  private pause(): number {
    return Math.min(2000, 100 * 2 ** Math.min(this.transient++, 5));
  }
}
