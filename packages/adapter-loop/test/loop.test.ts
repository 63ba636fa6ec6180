import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { createLoop, createStageResolver, readSnapshotFile } from '../src/index.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

const retryable = () => ({
  status: 'retryable' as const,
  error: new EdgeplaneError('unavailable', 'memory', 'down'),
});

describe('createLoop', () => {
  it('moves every message in order and acknowledges all of them', async () => {
    const source = new MemorySource(bodies(1000), 37);
    const sink = new MemorySink();
    const result = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { maxMessages: 100 },
    }).run();
    expect(sink.received).toEqual(bodies(1000));
    expect(result).toMatchObject({
      state: 'stopped',
      reason: 'end-of-input',
      ingressMessages: 1000,
      egressMessages: 1000,
      ackedMessages: 1000,
    });
    expect(source.committed).toBe(1000);
    expect(result.snapshot.adapters.map((a) => a.connection_state)).toEqual(['closed', 'closed']);
  });

  it('maxMessages moves exactly N, acknowledges them (partially acking a batch), and a second run continues', async () => {
    const source = new MemorySource(bodies(2000), 64);
    for (let run = 0; run < 4; run++) {
      const sink = new MemorySink();
      const r = await createLoop({
        spec: spec(),
        ingress: { transport: source },
        egress: { transport: sink },
        maxMessages: 500,
      }).run();
      expect(r.reason).toBe('max-messages');
      expect(sink.received).toEqual(bodies(2000).slice(run * 500, run * 500 + 500));
      expect(source.committed).toBe((run + 1) * 500);
    }
  });

  it('acknowledges a large ingress batch partially as each egress batch is taken', async () => {
    const source = new MemorySource(bodies(100), 100);
    const sink = new MemorySink();
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { maxMessages: 30 },
    }).run();
    expect(r.ackedMessages).toBe(100);
    expect(source.ackCalls).toEqual([30, 60, 90, 100]);
  });

  it('never lets the producer get more than capacity ahead of the release boundary', async () => {
    const source = new MemorySource(bodies(500), 50);
    const sink = new MemorySink([], 1);
    const loop = createLoop({
      spec: spec(undefined, 8),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { maxMessages: 4 },
    });
    let worst = 0;
    const probe = setInterval(() => {
      const { ring } = loop.snapshot();
      worst = Math.max(worst, ring.cursor - ring.released);
    }, 0);
    await loop.run();
    clearInterval(probe);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(8);
    expect(sink.received).toHaveLength(500);
  });

  it('retries retryable failures with backoff and delivers each message once', async () => {
    const source = new MemorySource(bodies(50), 10);
    const sink = new MemorySink([retryable(), retryable()]);
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      retry: { minDelayMs: 1, maxDelayMs: 5 },
    }).run();
    expect(sink.received).toEqual(bodies(50));
    expect(r.snapshot.adapters[1].recent_failures).toBe(2);
    // the egress recovered: its incident (cause and last error) is closed
    expect(r.snapshot.adapters[1].last_error).toBeNull();
    expect(r.snapshot.adapters[1].cause).toBeNull();
  });

  it('stops on a permanent failure without acknowledging what was not sent', async () => {
    const source = new MemorySource(bodies(100), 10);
    const sink = new MemorySink([
      { status: 'ok' },
      { status: 'failed', error: new EdgeplaneError('protocol', 'memory', 'rejected') },
    ]);
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { maxMessages: 10 },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('protocol');
    expect(sink.received).toEqual(bodies(10));
    expect(source.committed).toBe(10);
    expect(r.snapshot.state).toBe('failed');
  });

  it('gives up after maxRetries and reports the last error', async () => {
    const source = new MemorySource(bodies(5), 5);
    const sink = new MemorySink([retryable(), retryable(), retryable()]);
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      retry: { maxRetries: 2, minDelayMs: 1 },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('unavailable');
    expect(source.committed).toBe(0);
  });

  it('runs custom stages in dependency order and counts drops as done', async () => {
    const stages = createStageResolver({
      upper: () => ({
        key: 'upper',
        process: (ms) =>
          ms.map((m) => ({
            ...m,
            body: Buffer.from(Buffer.from(m.body).toString().toUpperCase()),
          })),
      }),
      'drop-odd': () => ({
        key: 'drop-odd',
        process: (ms) =>
          ms.map((m) => (Number(Buffer.from(m.body).toString().split(' ')[1]) % 2 ? null : m)),
      }),
      suffix: () => ({
        key: 'suffix',
        process: async (ms) =>
          ms.map((m) => ({ ...m, body: Buffer.concat([m.body, Buffer.from('!')]) })),
      }),
    });
    const source = new MemorySource(bodies(20), 7);
    const sink = new MemorySink();
    const s = spec([
      { id: 'a', stage: 'drop-odd', dependsOn: [] },
      { id: 'b', stage: 'upper', dependsOn: [0] },
      { id: 'c', stage: 'suffix', dependsOn: [1] },
    ]);
    const r = await createLoop({
      spec: s,
      stages,
      ingress: { transport: source },
      egress: { transport: sink },
    }).run();
    expect(sink.received).toEqual(
      bodies(20)
        .filter((_, i) => i % 2 === 0)
        .map((b) => `${b.toUpperCase()}!`),
    );
    expect(r).toMatchObject({ droppedMessages: 10, egressMessages: 10, ackedMessages: 20 });
    expect(r.snapshot.ring.gating.map((g) => g.sequence)).toEqual([19, 19, 19]);
  });

  it('refuses an unknown stage key in createLoop, before opening anything', () => {
    const source = new MemorySource([]);
    let opened = false;
    source.open = async () => {
      opened = true;
    };
    const create = () =>
      createLoop({
        spec: spec([{ id: 'x', stage: 'nope', dependsOn: [] }]),
        ingress: { transport: source },
        egress: { transport: new MemorySink() },
      });
    expect(create).toThrow(
      '[adapter-loop] spec.stages[0].stage: unknown stage "nope" (stage 0, id "x")',
    );
    expect(opened).toBe(false);
  });

  it('stop() drains in-flight messages, acknowledges them and ends', async () => {
    const source = new MemorySource(bodies(30), 10, true);
    const sink = new MemorySink();
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
    });
    const running = loop.run();
    while (sink.received.length < 30) await new Promise((r) => setTimeout(r, 5));
    loop.stop();
    const r = await running;
    expect(r.reason).toBe('stopped');
    expect(source.committed).toBe(30);
  });

  it('a drain that cannot finish ends at the shutdown timeout without acknowledging', async () => {
    const source = new MemorySource(bodies(10), 10, true);
    const sink = new MemorySink(['hang']);
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      shutdownTimeoutMs: 50,
    });
    const running = loop.run();
    await new Promise((r) => setTimeout(r, 30));
    loop.stop();
    const r = await running;
    expect(r.reason).toBe('shutdown-timeout');
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('timeout');
    expect(source.committed).toBe(0);
  });

  it('the shutdown timeout bounds a drain whose send ignores its abort signal', async () => {
    const source = new MemorySource(bodies(10), 10, true);
    const sink = new MemorySink(['deaf']);
    sink.close = () => new Promise<void>(() => {});
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      shutdownTimeoutMs: 50,
    });
    const running = loop.run();
    await new Promise((r) => setTimeout(r, 30));
    loop.stop();
    // Before the fix this never resolved: the loop waited on the deaf send, then on close().
    const r = await running;
    expect(r.reason).toBe('shutdown-timeout');
    expect(r.error?.code).toBe('timeout');
    expect(source.committed).toBe(0);
    expect(r.snapshot.acked_messages).toBe(0);
  });

  it.each([
    ['a Retry-After of 60 s', 60_000, 10, true],
    ['a backoff of 30 s', undefined, 30_000, true],
    // stop() after the end of the input used to be ignored: the drain ran until retries ran out
    ['the input already ended', undefined, 30_000, false],
  ])(
    'the shutdown timeout ends a drain whose egress keeps answering retryable (%s)',
    async (_name, retryAfterMs, minDelayMs, idleForever) => {
      const source = new MemorySource(bodies(10), 10, idleForever);
      const busy = {
        status: 'retryable' as const,
        error: new EdgeplaneError('unavailable', 'memory', 'busy'),
        retryAfterMs,
      };
      const sink = new MemorySink(Array.from({ length: 1000 }, () => busy));
      const loop = createLoop({
        spec: spec(),
        ingress: { transport: source },
        egress: { transport: sink },
        shutdownTimeoutMs: 100,
        retry: { maxRetries: 1000, minDelayMs, maxDelayMs: minDelayMs * 2 },
      });
      const running = loop.run();
      await new Promise((r) => setTimeout(r, 50));
      loop.stop();
      const r = await running;
      expect(r.reason).toBe('shutdown-timeout');
      expect(source.committed).toBe(0);
    },
  );

  it('keeps the live snapshot in the lane path and holds the lane lock', async () => {
    const lanePath = await mkdtemp(join(tmpdir(), 'ep-lane-'));
    const source = new MemorySource(bodies(10), 10, true);
    const loop = createLoop({
      spec: spec(),
      specHash: 'sha256:00',
      ingress: { transport: source },
      egress: { transport: new MemorySink() },
      lanePath,
      snapshotIntervalMs: 50,
    });
    const running = loop.run();
    // the snapshot is written every 50 ms; wait (at most 5 s, for a loaded machine) for the one
    // after all 10 messages moved
    let live = await readSnapshotFile(lanePath);
    for (let i = 0; i < 100 && live?.snapshot.egress_messages !== 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      live = await readSnapshotFile(lanePath);
    }
    expect(live?.snapshot).toMatchObject({
      mode: 'adapter_loop',
      spec_hash: 'sha256:00',
      egress_messages: 10,
      ingress_messages: 10,
    });
    expect(await readFile(join(lanePath, 'loop.pid'), 'utf8')).toBe(`${process.pid}\n`);
    loop.stop();
    await running;
    expect((await readSnapshotFile(lanePath))?.status).toBe('final');
  });
});

describe('metrics hooks', () => {
  it('reports each egress batch and each adapter failure', async () => {
    const batches: { messages: number; bytes: number; attempts: number; ok: boolean }[] = [];
    const failures: { adapter: string; role: string; code: string }[] = [];
    const source = new MemorySource(bodies(20), 20);
    const sink = new MemorySink([retryable()]);
    await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink, name: 'out' },
      batch: { maxMessages: 10 },
      retry: { minDelayMs: 1 },
      onEgressBatch: ({ messages, bytes, attempts, ok }) =>
        batches.push({ messages, bytes, attempts, ok }),
      onAdapterFailure: (e) => failures.push(e),
    }).run();
    expect(batches).toEqual([
      { messages: 10, bytes: 10 * 6, attempts: 2, ok: true },
      { messages: 10, bytes: 10 * 7, attempts: 1, ok: true },
    ]);
    expect(failures).toEqual([{ adapter: 'out', role: 'egress', code: 'unavailable' }]);
  });
});

describe('stopping and failures at the edges', () => {
  it('stop() while a transport hangs in open() ends the run at once', async () => {
    const hanging = new MemorySink();
    hanging.open = () => new Promise<void>(() => {});
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3)) },
      egress: { transport: hanging },
    });
    const running = loop.run();
    await new Promise((r) => setTimeout(r, 20));
    loop.stop();
    const r = await running;
    // a stop is not a failure: the run ends stopped, and says it was still opening
    expect(r).toMatchObject({ state: 'stopped', reason: 'stopped', stoppedDuring: 'open' });
    expect(r.error).toBeUndefined();
    expect(r.failedDuring).toBeUndefined();
  });

  it('an ingress failure is recorded on the ingress, and what the egress took is counted', async () => {
    const source = new MemorySource(bodies(10), 5);
    const original = source.receive.bind(source);
    source.receive = async function* (options) {
      let n = 0;
      for await (const b of original(options)) {
        if (n++ === 1) throw new EdgeplaneError('invalid-input', 'memory', 'line too long');
        yield b;
      }
    };
    const sink = new MemorySink();
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { lingerMs: 0 },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.snapshot.adapters[0]).toMatchObject({
      recent_failures: 1,
      last_error: '[memory] line too long',
    });
    expect(r.snapshot.adapters[1].recent_failures).toBe(0);
    expect(r.egressMessages).toBe(sink.received.length);
  });

  it('maxMessages 0 moves nothing and says why', async () => {
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3)) },
      egress: { transport: new MemorySink() },
      maxMessages: 0,
    }).run();
    expect(r).toMatchObject({ reason: 'max-messages', egressMessages: 0 });
  });
});
