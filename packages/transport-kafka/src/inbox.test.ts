import type { KafkaRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { BatchOwner } from './batch.js';
import { Inbox, type RecordRun } from './inbox.js';
import { PartitionState } from './partition.js';

/** A fetched record at `offset` (of a record batch based at 0), as @platformatic/kafka parses it. */
const record = (offset: number, value: string | null = `v${offset}`): KafkaRecord => ({
  length: 0,
  attributes: 0,
  timestampDelta: 0n,
  offsetDelta: offset,
  key: offset % 2 ? Buffer.from(`k${offset}`) : null,
  value: value === null ? null : Buffer.from(value),
  headers:
    offset === 1
      ? [
          [Buffer.from('a'), Buffer.from('ü')],
          [Buffer.from('b'), Buffer.from('1')],
          [Buffer.from('b'), Buffer.from('2')],
        ]
      : [],
});
const run = (records: KafkaRecord[]): RecordRun => ({ base: 0, records });
const records = (from: number, n: number) =>
  run(Array.from({ length: n }, (_, i) => record(from + i)));

/** A source stand-in: commits are recorded, rewinds too. */
function owner() {
  const rewinds: [string, number, number][] = [];
  let commits = 0;
  const o: BatchOwner & { commits: () => number; rewinds: typeof rewinds } = {
    closed: false,
    commit: async () => {
      commits++;
    },
    rewind: (state, epoch, offset, delay) => {
      if (!state.owns(epoch)) return;
      state.rewind(offset);
      rewinds.push([`${state.topic}/${state.partition}`, offset, delay]);
    },
    commits: () => commits,
    rewinds,
  };
  return o;
}

describe('inbox and batches', () => {
  it('cuts batches across partitions and acks per partition: last acknowledged + 1', async () => {
    const inbox = new Inbox();
    const p0 = new PartitionState('t', 0);
    const p1 = new PartitionState('t', 1);
    inbox.push(p0, records(10, 3));
    inbox.push(p1, records(0, 4));
    const o = owner();
    const batch = inbox.take(5, o);
    expect(batch?.messages.map((m) => m.id)).toEqual([
      't/0@10',
      't/0@11',
      't/0@12',
      't/1@0',
      't/1@1',
    ]);
    expect(batch?.messages.map((m) => m.position)).toEqual(['0:10', '0:11', '0:12', '1:0', '1:1']);
    expect(inbox.size).toBe(2);
    await batch?.ack(2);
    expect([p0.acked, p1.acked]).toEqual([12, -1]);
    await batch?.ack();
    expect([p0.acked, p1.acked]).toEqual([13, 2]);
    expect(o.commits()).toBe(2);
  });

  it('decodes keys and headers lazily; a null value is an empty body', () => {
    const inbox = new Inbox();
    const p = new PartitionState('t', 0);
    inbox.push(p, run([record(1), record(2, null)]));
    const [one, two] = inbox.take(10, owner())?.messages ?? [];
    expect(one?.key).toBe('k1');
    expect(one?.headers).toEqual({ a: 'ü', b: '2' });
    expect(Buffer.from(one?.body ?? []).toString()).toBe('v1');
    expect(two?.key).toBeUndefined();
    expect(two?.headers).toEqual({});
    expect(two?.body.byteLength).toBe(0);
    expect(two?.bodyLength).toBe(0);
  });

  it('acks of a revoked partition, or from before a seek, are no-ops; queued runs are dropped', async () => {
    const inbox = new Inbox();
    const p0 = new PartitionState('t', 0);
    const p1 = new PartitionState('t', 1);
    inbox.push(p0, records(0, 2));
    inbox.push(p1, records(0, 2));
    const batch = inbox.take(1, owner());
    inbox.push(p0, records(2, 2));
    p0.revoked = true;
    inbox.dropStale();
    expect(inbox.size).toBe(2);
    await batch?.ack();
    expect(p0.acked).toBe(-1);
    const rest = inbox.take(10, owner());
    expect(rest?.messages.map((m) => m.id)).toEqual(['t/1@0', 't/1@1']);
    p1.rewind(0);
    await rest?.ack();
    expect(p1.acked).toBe(-1);
  });

  it('nack gives each partition back from its first unacknowledged record', async () => {
    const inbox = new Inbox();
    const p0 = new PartitionState('t', 0);
    const p1 = new PartitionState('t', 1);
    inbox.push(p0, records(5, 3));
    inbox.push(p1, records(7, 2));
    const o = owner();
    const batch = inbox.take(10, o);
    await batch?.ack(1);
    await batch?.nack({ retryAfterMs: 50 });
    expect(o.rewinds).toEqual([
      ['t/0', 6, 50],
      ['t/1', 7, 50],
    ]);
  });

  it('rejects ack and nack after close', async () => {
    const inbox = new Inbox();
    inbox.push(new PartitionState('t', 0), records(0, 1));
    const o = { ...owner(), closed: true };
    const batch = inbox.take(1, o);
    await expect(batch?.ack()).rejects.toMatchObject({ code: 'closed' });
    await expect(batch?.nack()).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('inbox waits', () => {
  it('a wait that times out leaves no waiter behind; wake() resolves the others', async () => {
    const inbox = new Inbox();
    const signal = new AbortController().signal;
    for (let i = 0; i < 5; i++) await inbox.changed(signal, 1);
    expect((inbox as unknown as { waiters: unknown[] }).waiters).toHaveLength(0);
    const pending = inbox.changed(signal, 60_000);
    inbox.push(new PartitionState('t', 0), records(0, 1));
    await pending;
    expect((inbox as unknown as { waiters: unknown[] }).waiters).toHaveLength(0);
  });
});
