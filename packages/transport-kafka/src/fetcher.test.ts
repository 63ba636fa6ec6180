import { type ConnectionPool, type Consumer, IS_CONTROL } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { BatchOwner } from './batch.js';
import { Fetcher } from './fetcher.js';
import { GroupMembership } from './group.js';
import { Inbox } from './inbox.js';
import { kafkaTransport } from './transport.js';

type Request = { topics: { partitions: { partition: number; fetchOffset: bigint }[] }[] };
type Partition = { partitionIndex: number; errorCode?: number; records?: unknown[] };

/** A record batch of `n` records from offset `first` (a control batch with `control`). */
const batch = (first: number, n: number, control = false) => ({
  firstOffset: BigInt(first),
  lastOffsetDelta: n - 1,
  attributes: control ? IS_CONTROL : 0,
  records: Array.from({ length: n }, (_, i) => ({
    offsetDelta: i,
    key: null,
    value: Buffer.from(`v${first + i}`),
    headers: [],
  })),
});

/**
 * A consumer stand-in for topic `t` (partitions 0 and 1, leader 1): the group committed 5 on
 * partition 0 and nothing on 1, the log starts at 0. `script` answers fetches in turn (then empty).
 */
function setup(
  script: ((request: Request) => Partition[])[],
  options: Record<string, unknown> = {},
  hooks: {
    /** The group's committed offsets (default: 5 on partition 0, none on 1). */
    committed?: bigint[];
    /** Offsets this process committed before (`lastCommitted`). */
    known?: Record<number, number>;
    /** The topic's id, asked on every metadata request (default `tid`). */
    topicId?: () => string;
  } = {},
) {
  const requests: Request[] = [];
  const deleted: string[] = [];
  const lost: [number, number][] = [];
  const consumer = {
    metadata: async () => ({
      topics: new Map([
        ['t', { id: hooks.topicId?.() ?? 'tid', partitions: [{ leader: 1 }, { leader: 1 }] }],
      ]),
    }),
    listCommittedOffsets: async () => new Map([['t', hooks.committed ?? [5n, -1n]]]),
    listOffsets: async () => new Map([['t', [0n, 0n]]]),
    fetch: async (request: Request) => {
      requests.push(request);
      const answer = script.shift();
      if (!answer) await new Promise((r) => setTimeout(r, 5));
      return { responses: [{ topicId: 'tid', partitions: answer ? answer(request) : [] }] };
    },
  };
  const group = new GroupMembership();
  group.join('m', [{ topic: 't', partitions: [0, 1] }]);
  const inbox = new Inbox();
  const signal = new AbortController();
  const o = kafkaTransport.parseOptions({
    brokers: 'a:1',
    topic: 't',
    groupId: 'g',
    fromBeginning: true,
    ...options,
  });
  const fetcher = new Fetcher({
    options: o,
    group,
    inbox,
    signal: signal.signal,
    consumer: () => consumer as unknown as Consumer,
    pool: {} as ConnectionPool,
    fetched: () => {},
    failed: () => {},
    deleted: (topic, how) => deleted.push(`${topic}: ${how}`),
    lastCommitted: (_topic, partition) => hooks.known?.[partition],
    offsetsLost: (state, offset) => lost.push([state.partition, offset]),
  });
  const running = fetcher.run();
  const owner: BatchOwner = { closed: false, commit: async () => {}, rewind: () => {} };
  const offsets = (i: number) =>
    requests[i]?.topics[0]?.partitions.map((p) => [p.partition, Number(p.fetchOffset)]);
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  };
  const stop = async () => {
    signal.abort();
    await running;
  };
  return { requests, group, inbox, owner, offsets, until, stop, deleted, lost };
}

describe('the fetch loop', () => {
  it('starts at the committed offset (else the log start), skips records before the position and control batches', async () => {
    const f = setup([
      () => [
        { partitionIndex: 0, errorCode: 0, records: [batch(3, 5)] },
        { partitionIndex: 1, errorCode: 0, records: [batch(0, 1, true), batch(1, 2)] },
      ],
    ]);
    await f.until(() => f.requests.length >= 2);
    await f.stop();
    expect(f.offsets(0)).toEqual([
      [0, 5],
      [1, 0],
    ]);
    expect(f.inbox.take(100, f.owner)?.messages.map((m) => m.id)).toEqual([
      't/0@5',
      't/0@6',
      't/0@7',
      't/1@1',
      't/1@2',
    ]);
    expect(f.offsets(1)).toEqual([
      [0, 8],
      [1, 3],
    ]);
  });

  it('drops what a fetch returns for a partition re-positioned (nack, replay) while it was in flight', async () => {
    let group: GroupMembership | undefined;
    const f = setup([
      () => {
        group?.find('t', 0)?.rewind(2);
        return [{ partitionIndex: 0, errorCode: 0, records: [batch(5, 3)] }];
      },
    ]);
    group = f.group;
    await f.until(() => f.requests.length >= 2);
    await f.stop();
    expect(f.inbox.size).toBe(0);
    expect(f.offsets(1)?.[0]).toEqual([0, 2]);
  });

  it('stops fetching while the inbox holds bufferMaxMessages, and goes on once the loop took some', async () => {
    const f = setup([() => [{ partitionIndex: 0, errorCode: 0, records: [batch(5, 6)] }]], {
      bufferMaxMessages: 5,
    });
    await f.until(() => f.inbox.size > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
    f.inbox.take(3, f.owner);
    await f.until(() => f.requests.length >= 2);
    await f.stop();
    expect(f.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('a position out of range restarts where a new group would (fromBeginning: the log start), not at the commit', async () => {
    const f = setup([() => [{ partitionIndex: 0, errorCode: 1 }]]);
    await f.until(() => f.requests.length >= 2);
    await f.stop();
    expect(f.offsets(1)?.[0]).toEqual([0, 0]);
  });

  it('committed offsets lost (none where this process had committed): resumes at its last commit, reported, not at the log start', async () => {
    const f = setup([], {}, { committed: [-1n, -1n], known: { 0: 7 } });
    await f.until(() => f.requests.length >= 1);
    await f.stop();
    expect(f.offsets(0)).toEqual([
      [0, 7],
      [1, 0],
    ]);
    expect(f.lost).toEqual([[0, 7]]);
  });

  it('a topic whose id changed (deleted and created again) is reported deleted', async () => {
    let id = 'tid';
    const f = setup(
      [() => [{ partitionIndex: 0, errorCode: 0, records: [batch(5, 1)] }]],
      {},
      {
        topicId: () => id,
      },
    );
    await f.until(() => f.requests.length >= 1);
    id = 'other';
    await f.until(() => f.deleted.length > 0);
    await f.stop();
    expect(f.deleted[0]).toBe(
      't: a new topic of that name exists now: its id changed from tid to other',
    );
  });
});
