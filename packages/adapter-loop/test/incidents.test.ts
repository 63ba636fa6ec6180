import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import {
  type AdapterEvent,
  createLoop,
  createStageResolver,
  readSnapshotFile,
} from '../src/index.js';
import type {
  OpenContext,
  OutboundMessage,
  SendResult,
  Transport,
} from '../src/transport/types.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

const text = (m: OutboundMessage) => Buffer.from(m.body).toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sink that refuses bodies containing `bad`: per message (`partial`) or, if `whole`, the batch. */
class PickySink extends MemorySink {
  constructor(private readonly whole: boolean) {
    super();
  }
  override async send(batch: readonly OutboundMessage[]): Promise<SendResult> {
    const bad = batch.flatMap((m, index) => (text(m).includes('bad') ? [index] : []));
    if (this.whole && bad.length > 0)
      return { status: 'failed', error: new EdgeplaneError('invalid-input', 'picky', 'no bad') };
    batch.forEach((m, i) => {
      if (!bad.includes(i)) this.received.push(text(m));
    });
    if (bad.length === 0) return { status: 'ok' };
    return {
      status: 'partial',
      rejected: bad.map((index) => ({
        index,
        error: new EdgeplaneError('too-large', 'picky', `message ${index} is bad`),
      })),
    };
  }
}

const withBad = (n: number, at: number) => bodies(n).map((b, i) => (i === at ? `bad ${i}` : b));

describe('a message the egress refuses permanently (poison)', () => {
  for (const whole of [false, true]) {
    const how = whole ? 'a whole-batch invalid-input (the loop isolates it)' : 'a partial result';
    it(`fails alone, with ${how}: the rest of its batch is delivered, what precedes it acked`, async () => {
      const source = new MemorySource(withBad(30, 15), 10);
      const sink = new PickySink(whole);
      const events: AdapterEvent[] = [];
      const r = await createLoop({
        spec: spec(),
        ingress: { transport: source, name: 'in' },
        egress: { transport: sink, name: 'out' },
        batch: { maxMessages: 10 },
        onAdapterEvent: (e) => events.push(e),
      }).run();
      expect(r.state).toBe('failed');
      expect(r.error?.code).toBe(whole ? 'invalid-input' : 'too-large');
      // the ingress position stops right before the refused message: nothing after it is lost
      expect(source.committed).toBe(15);
      expect(sink.received).toEqual(bodies(20).filter((_, i) => i !== 15));
      const message = r.error?.message ?? '';
      expect(message).toContain('egress "out" refused a message permanently');
      expect(message).toContain('ingress "in" at m15 (6 bytes)');
      expect(message).toContain('the 5 message(s) before it in its batch were delivered');
      expect(r.error?.details).toMatchObject({ origin: 'm15', bytes: 6, egress: 'out' });
      expect(events.some((e) => e.kind === 'rejected' && e.adapter === 'out')).toBe(true);
      expect(r.snapshot.adapters[1].cause).toContain('refused a message permanently');
      expect(r.snapshot.error).toContain('refused a message permanently');
    });
  }

  it('names the right message when a stage dropped some of its batch', async () => {
    const stages = createStageResolver({
      'drop-odd': () => ({
        key: 'drop-odd',
        process: (ms) => ms.map((m) => (Number(text(m).split(' ')[1]) % 2 ? null : m)),
      }),
    });
    const source = new MemorySource(withBad(40, 14), 40);
    const r = await createLoop({
      spec: spec([{ id: 'd', stage: 'drop-odd', dependsOn: [] }]),
      stages,
      ingress: { transport: source },
      egress: { transport: new PickySink(false) },
      batch: { maxMessages: 40 },
    }).run();
    expect(r.error?.details).toMatchObject({ origin: 'm14' });
    expect(source.committed).toBe(14);
  });
});

describe('the root cause is kept', () => {
  it('keeps the first error as the cause and says when retries ran out', async () => {
    const source = new MemorySource(bodies(5), 5);
    const err = (m: string) => ({
      status: 'retryable' as const,
      error: new EdgeplaneError('unavailable', 'memory', m),
    });
    const sink = new MemorySink([err('WRONGPASS invalid password'), err('down'), err('down')]);
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      retry: { maxRetries: 2, minDelayMs: 1, maxDelayMs: 5 },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.error?.message).toMatch(/gave up on an egress batch after 3 attempts over \d+\.\d s/);
    expect(r.error?.message).toContain('maxRetries 2, retryMaxDelayMs 5');
    expect(r.error?.message).toContain('first error: [memory] WRONGPASS invalid password');
    expect(r.error?.message).toContain('last error: [memory] down');
    const egress = r.snapshot.adapters[1];
    expect(egress.cause).toBe('[memory] WRONGPASS invalid password');
    expect(egress.cause_at).not.toBeNull();
    expect(egress.last_error).toContain('gave up');
    expect(Date.parse(egress.last_error_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(egress.cause_at ?? ''),
    );
    expect(source.committed).toBe(0);
  });

  it('stops at once when a transport reports a reconnect refused for good', async () => {
    let report: OpenContext['onStateChange'];
    const sink = new MemorySink();
    sink.open = async (ctx?: OpenContext) => {
      report = ctx?.onStateChange;
    };
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource([], 1, true) },
      egress: { transport: sink },
    });
    const running = loop.run();
    await sleep(50);
    report?.('reconnecting', new EdgeplaneError('unavailable', 'memory', 'connection lost'));
    report?.(
      'failed',
      new EdgeplaneError('unauthenticated', 'memory', 'WRONGPASS invalid username-password pair'),
    );
    const r = await running;
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('unauthenticated');
    expect(r.snapshot.adapters[1].connection_state).toBe('failed');
    expect(r.snapshot.adapters[1].cause).toBe('[memory] connection lost');
    expect(r.snapshot.adapters[1].last_error).toContain('WRONGPASS');
  });
});

describe('stalls are detected', () => {
  it('marks an egress with a send outstanding too long stalled, and ready once answered', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sink = new MemorySink();
    const send = sink.send.bind(sink);
    sink.send = async (batch, signal) => {
      await gate;
      return send(batch, signal);
    };
    const events: AdapterEvent[] = [];
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3), 3) },
      egress: { transport: sink },
      stallAfterMs: 200,
      onAdapterEvent: (e) => events.push(e),
    });
    const running = loop.run();
    await sleep(600);
    const during = loop.snapshot().adapters[1];
    expect(during.connection_state).toBe('stalled');
    expect(during.stalled_since).not.toBeNull();
    expect(during.last_error).toMatch(
      /send of 3 message\(s\) to memory outstanding since .* with no answer within loop\.stallAfterMs \(200 ms\)/,
    );
    expect(events.some((e) => e.kind === 'stall' && e.state === 'stalled')).toBe(true);
    release();
    const r = await running;
    expect(r.state).toBe('stopped');
    expect(sink.received).toEqual(bodies(3));
    expect(r.snapshot.adapters[1].cause).toBeNull();
  });
});

describe('consumer-group events', () => {
  it('counts assignments and keeps the current assignment in the snapshot', async () => {
    const source = new MemorySource(bodies(3), 3);
    source.open = async (ctx?: OpenContext) => {
      ctx?.onGroupEvent?.({ type: 'assigned', partitions: ['t/0', 't/1'] });
      ctx?.onGroupEvent?.({ type: 'revoked', partitions: ['t/1'] });
      ctx?.onGroupEvent?.({ type: 'assigned', partitions: ['t/0', 't/2'], detail: 'generation 2' });
    };
    const events: AdapterEvent[] = [];
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: new MemorySink() },
      onAdapterEvent: (e) => events.push(e),
    }).run();
    expect(r.snapshot.adapters[0].group).toEqual({
      rebalances: 2,
      assignment: ['t/0', 't/2'],
      claims: 0,
    });
    expect(events.map((e) => e.message)).toContain('assigned t/0, t/2 (generation 2)');
  });
});

describe('the snapshot never lies', () => {
  it('writes the lane snapshot from the start, while the transports are still opening', async () => {
    const lanePath = await mkdtemp(join(tmpdir(), 'ep-lane-'));
    const sink = new MemorySink();
    sink.open = (ctx?: OpenContext) =>
      new Promise<void>((_, reject) =>
        ctx?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3), 3) },
      egress: { transport: sink },
      lanePath,
    });
    const running = loop.run();
    await sleep(100);
    const opening = await readSnapshotFile(lanePath);
    expect(opening?.snapshot.pid).toBe(process.pid);
    expect(opening?.snapshot.adapters[1].connection_state).toBe('connecting');
    expect(opening?.snapshot.ended_at).toBeNull();
    loop.stop();
    const r = await running;
    const final = await readSnapshotFile(lanePath);
    expect(final?.status).toBe('final');
    expect(final?.snapshot.state).toBe(r.state);
    expect(final?.snapshot.ended_at).not.toBeNull();
    expect(final?.snapshot.stop_reason).toBe('stopped');
  });

  it('reads the lag again at the end: a fully read source ends at lag 0', async () => {
    const source = new MemorySource(bodies(50), 10);
    const transport: Transport = Object.assign(source, {
      lag: async () => ({ lag: source.bodies.length - source.committed }),
    });
    const r = await createLoop({
      spec: spec(),
      ingress: { transport },
      egress: { transport: new MemorySink() },
      snapshotIntervalMs: 3_600_000,
    }).run();
    expect(r.snapshot.adapters[0].lag).toBe(0);
  });
});

describe('AdapterHealth stall and transport states', () => {
  it('returns to the state the transport last reported while stalled, not the one before', async () => {
    const { AdapterHealth } = await import('../src/health.js');
    const h = new AdapterHealth('out', 'egress', 'memory');
    h.report('ready');
    h.report('reconnecting');
    h.stall(Date.now() - 5000, 'send outstanding');
    h.report('ready'); // the reconnect finished while the send was still unanswered
    expect(h.state).toBe('stalled');
    h.unstall();
    expect(h.state).toBe('ready');
    h.stall(Date.now(), 'send outstanding');
    h.report('failed');
    expect(h.state).toBe('failed');
    expect(h.toSnapshot().stalled_since).toBeNull();
  });
});

describe('a transport that fails to open', () => {
  it('records failed with its real cause, counted once', async () => {
    const sink = new MemorySink();
    const refused = new EdgeplaneError('unauthenticated', 'memory', 'WRONGPASS invalid password');
    sink.open = async (ctx?: OpenContext) => {
      ctx?.onStateChange?.('failed', refused);
      throw refused;
    };
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3), 3) },
      egress: { transport: sink },
    }).run();
    const egress = r.snapshot.adapters[1];
    expect(r.failedDuring).toBe('open');
    expect(egress.connection_state).toBe('failed');
    expect(egress.recent_failures).toBe(1);
    expect(egress.cause).toBe('[memory] WRONGPASS invalid password');
    expect(r.snapshot.adapters[0].connection_state).toBe('closed');
  });
});

describe('a failed adapter is not stalled', () => {
  it('keeps the error that failed it as its last error', async () => {
    const { AdapterHealth } = await import('../src/health.js');
    const h = new AdapterHealth('out', 'egress', 'memory');
    h.report('ready');
    h.fail(new Error('SASL authentication failed'));
    h.report('failed');
    h.stall(Date.now() - 5000, 'send outstanding');
    expect(h.state).toBe('failed');
    expect(h.lastError).toBe('SASL authentication failed');
  });
});

describe('opening', () => {
  it('an open that hangs longer than stallAfterMs is a stall, and ready once it finishes', async () => {
    let finish: () => void = () => undefined;
    const sink = new MemorySink();
    sink.open = () =>
      new Promise<void>((resolve) => {
        finish = resolve;
      });
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3), 3) },
      egress: { transport: sink },
      stallAfterMs: 200,
    });
    const running = loop.run();
    await sleep(600);
    const egress = loop.snapshot().adapters[1];
    expect(egress.connection_state).toBe('stalled');
    expect(egress.last_error).toMatch(/open of memory outstanding since/);
    expect(egress.cause_at).toBe(egress.stalled_since);
    finish();
    const r = await running;
    expect(r.state).toBe('stopped');
    expect(sink.received).toEqual(bodies(3));
    expect(r.snapshot.adapters[1].cause).toBeNull();
  });

  it('an open cancelled because the other side failed is neither a failure nor a cause', async () => {
    const source = new MemorySource(bodies(3), 3);
    source.open = async () => {
      throw new EdgeplaneError('not-found', 'memory', 'cannot open in.log (ENOENT)');
    };
    const sink = new MemorySink();
    sink.open = (ctx?: OpenContext) =>
      new Promise<void>((_, reject) =>
        ctx?.signal?.addEventListener('abort', () =>
          reject(new EdgeplaneError('cancelled', 'memory', 'open cancelled')),
        ),
      );
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
    }).run();
    expect(r.error?.code).toBe('not-found');
    const [ingress, egress] = r.snapshot.adapters;
    expect(ingress.connection_state).toBe('failed');
    expect(ingress.cause).toContain('ENOENT');
    expect(egress.connection_state).toBe('closed');
    expect(egress.recent_failures).toBe(0);
    expect(egress.cause).toBeNull();
  });

  it('a stop while opening leaves the adapters closed, with no failure counted', async () => {
    const sink = new MemorySink();
    sink.open = (ctx?: OpenContext) =>
      new Promise<void>((_, reject) =>
        ctx?.signal?.addEventListener('abort', () =>
          reject(new EdgeplaneError('cancelled', 'memory', 'open cancelled')),
        ),
      );
    const loop = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(3), 3) },
      egress: { transport: sink },
    });
    const running = loop.run();
    await sleep(50);
    loop.stop();
    const r = await running;
    expect(r.state).toBe('stopped');
    expect(r.snapshot.adapters[1]).toMatchObject({
      connection_state: 'closed',
      recent_failures: 0,
      cause: null,
    });
  });
});
