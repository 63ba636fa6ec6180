import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import {
  createLoop,
  createStageResolver,
  DEAD_LETTER_HEADERS,
  type LoopOptions,
  rejectMessage,
  type StageMessage,
} from '../src/index.js';
import type {
  OutboundMessage,
  SendResult,
  Transport,
  TransportCapabilities,
} from '../src/transport/types.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

const text = (m: OutboundMessage) => Buffer.from(m.body).toString();

/** A sink that keeps whole messages and, when `source` is given, the source's ack position at each send. */
class RecordingSink implements Transport {
  readonly name = 'recording';
  readonly messages: OutboundMessage[] = [];
  readonly committedAtSend: number[] = [];
  private readonly inner: MemorySink;
  constructor(
    script: SendResult[] = [],
    private readonly source?: MemorySource,
    readonly capabilities: TransportCapabilities = new MemorySink().capabilities,
  ) {
    this.inner = new MemorySink(script);
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.source) this.committedAtSend.push(this.source.committed);
    const r = await this.inner.send(batch, signal);
    if (r.status === 'ok') this.messages.push(...batch);
    return r;
  }
}

/** A sink that refuses every body containing `bad` alone (`partial`), or the whole batch (`whole`). */
class PickySink extends MemorySink {
  constructor(private readonly whole = false) {
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
    const error = (i: number) => new EdgeplaneError('too-large', 'picky', `message ${i} is bad`);
    return { status: 'partial', rejected: bad.map((index) => ({ index, error: error(index) })) };
  }
}

/** A stage that refuses bodies containing `reject` and drops bodies containing `drop`. */
const strict = createStageResolver({
  strict: () => ({
    key: 'strict',
    process: (ms: readonly StageMessage[]) =>
      ms.map((m) =>
        text(m).includes('reject')
          ? rejectMessage(
              new EdgeplaneError('invalid-input', 'stage:check', `not acceptable: ${text(m)}`),
            )
          : text(m).includes('drop')
            ? null
            : m,
      ),
  }),
});
const strictSpec = () => spec([{ id: 'check', stage: 'strict', dependsOn: [] }]);
const mark = (n: number, marks: Record<number, string>) =>
  bodies(n).map((b, i) => (marks[i] ? `${marks[i]} ${i}` : b));

function loop(o: Partial<LoopOptions> & Pick<LoopOptions, 'ingress' | 'egress'>) {
  return createLoop({ spec: strictSpec(), stages: strict, batch: { maxMessages: 10 }, ...o });
}

describe('a message a stage refuses (rejectMessage)', () => {
  it('stop_pipeline: acknowledges what precedes it, sends nothing after it, and names the stage and the origin', async () => {
    const source = new MemorySource(mark(30, { 13: 'reject' }), 10);
    const sink = new MemorySink();
    const r = await loop({
      ingress: { transport: source, name: 'in' },
      egress: { transport: sink },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('invalid-input');
    expect(source.committed).toBe(13);
    expect(sink.received).toEqual(bodies(13));
    expect(r.error?.message).toContain('stage "check" (index 0, strict) refused a message');
    expect(r.error?.message).toContain('ingress "in" at m13');
    expect(r.error?.details).toMatchObject({ stage: 'check', origin: 'm13' });
    expect(r.snapshot.stages).toEqual([{ id: 'check', key: 'strict', filtered: 0, rejected: 1 }]);
  });

  it('dead_letter: the refused message goes to the dead letter with its headers; everything is delivered and acknowledged', async () => {
    const source = new MemorySource(
      mark(30, { 3: 'reject', 13: 'reject', 14: 'drop', 27: 'reject' }),
      10,
    );
    const sink = new MemorySink();
    const dead = new RecordingSink();
    const r = await loop({
      ingress: { transport: source, name: 'in' },
      egress: { transport: sink },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead, name: 'dlq' },
      specHash: 'sha256:abc',
    }).run();
    expect(r.state).toBe('stopped');
    expect(source.committed).toBe(30);
    const kept = mark(30, { 3: 'reject', 13: 'reject', 14: 'drop', 27: 'reject' }).filter(
      (b) => !b.includes('reject') && !b.includes('drop'),
    );
    expect(sink.received).toEqual(kept);
    expect(dead.messages.map(text)).toEqual(['reject 3', 'reject 13', 'reject 27']);
    const h = dead.messages[1]?.headers ?? {};
    expect(h[DEAD_LETTER_HEADERS.code]).toBe('invalid-input');
    expect(h[DEAD_LETTER_HEADERS.refusedBy]).toBe('stage "check"');
    expect(h[DEAD_LETTER_HEADERS.message]).toContain('not acceptable: reject 13');
    expect(h[DEAD_LETTER_HEADERS.specHash]).toBe('sha256:abc');
    expect(h[DEAD_LETTER_HEADERS.origin]).toBe('m13');
    expect(h[DEAD_LETTER_HEADERS.position]).toBe('14');
    expect(r.deadLetteredMessages).toBe(3);
    expect(r.snapshot.dead_lettered_messages).toBe(3);
    expect(r.snapshot.dropped_messages).toBe(1);
    expect(r.snapshot.stages).toEqual([{ id: 'check', key: 'strict', filtered: 1, rejected: 3 }]);
    const entry = r.snapshot.adapters[2];
    expect(entry).toMatchObject({ name: 'dlq', role: 'dead_letter', message_count: 3 });
  });

  it('dead_letter: a file-like dead letter (no headers, lines) gets one JSON envelope per message', async () => {
    const source = new MemorySource(mark(5, { 2: 'reject' }), 10);
    const lines = { ...new MemorySink().capabilities, headers: false, framing: 'line' as const };
    const dead = new RecordingSink([], undefined, lines);
    const r = await loop({
      ingress: { transport: source },
      egress: { transport: new MemorySink() },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead },
    }).run();
    expect(r.state).toBe('stopped');
    expect(dead.messages).toHaveLength(1);
    const envelope = JSON.parse(text(dead.messages[0] as OutboundMessage));
    expect(envelope).toMatchObject({
      edgeplane_dead_letter: 1,
      error: { code: 'invalid-input' },
      refused_by: 'stage "check"',
      origin: 'm2',
      id: 'm2',
      position: '3',
      body: 'reject 2',
    });
    expect(text(dead.messages[0] as OutboundMessage)).not.toContain('\n');
  });
});

describe('a message the egress refuses, under dead_letter', () => {
  for (const whole of [false, true]) {
    it(`goes to the dead letter (${whole ? 'whole-batch invalid-input, isolated' : 'partial result'}); the rest is delivered, all acknowledged`, async () => {
      const input = mark(30, { 4: 'bad', 15: 'bad' });
      const source = new MemorySource(input, 10);
      const sink = new PickySink(whole);
      const dead = new RecordingSink([], source);
      const r = await createLoop({
        spec: spec(),
        ingress: { transport: source, name: 'in' },
        egress: { transport: sink, name: 'out' },
        batch: { maxMessages: 10 },
        failurePolicy: 'dead_letter',
        deadLetter: { transport: dead },
      }).run();
      expect(r.state).toBe('stopped');
      expect(source.committed).toBe(30);
      expect(new Set(sink.received)).toEqual(new Set(input.filter((b) => !b.includes('bad'))));
      expect(dead.messages.map(text)).toEqual(['bad 4', 'bad 15']);
      expect(dead.messages[0]?.headers?.[DEAD_LETTER_HEADERS.refusedBy]).toBe('egress "out"');
      expect(dead.messages[0]?.headers?.[DEAD_LETTER_HEADERS.code]).toBe(
        whole ? 'invalid-input' : 'too-large',
      );
      // never acknowledged before the dead letter took it: at each dead-letter send, the ack
      // position is still before the refused message
      expect(dead.committedAtSend[0]).toBeLessThanOrEqual(4);
      expect(dead.committedAtSend.at(-1)).toBeLessThanOrEqual(15);
    });
  }

  it('a retryable egress failure never goes to the dead letter', async () => {
    const source = new MemorySource(bodies(20), 10);
    const retry = {
      status: 'retryable',
      error: new EdgeplaneError('unavailable', 'm', 'down'),
    } as const;
    const sink = new MemorySink([retry, retry]);
    const dead = new RecordingSink();
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      retry: { minDelayMs: 1, maxDelayMs: 2 },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead },
    }).run();
    expect(r.state).toBe('stopped');
    expect(sink.received).toEqual(bodies(20));
    expect(dead.messages).toEqual([]);
    expect(r.deadLetteredMessages).toBe(0);
  });
});

describe('a dead letter that fails', () => {
  it('retries a retryable dead-letter failure, then acknowledges', async () => {
    const source = new MemorySource(mark(12, { 5: 'reject' }), 10);
    const retry = {
      status: 'retryable',
      error: new EdgeplaneError('unavailable', 'm', 'down'),
    } as const;
    const dead = new RecordingSink([retry, retry]);
    const r = await loop({
      ingress: { transport: source },
      egress: { transport: new MemorySink() },
      retry: { minDelayMs: 1, maxDelayMs: 2 },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead, name: 'dlq' },
    }).run();
    expect(r.state).toBe('stopped');
    expect(dead.messages.map(text)).toEqual(['reject 5']);
    expect(source.committed).toBe(12);
    expect(r.snapshot.adapters[2]?.recent_failures).toBe(2);
  });

  it('stops the loop when the dead letter refuses it too: nothing from the refused message on is acknowledged', async () => {
    const source = new MemorySource(mark(30, { 13: 'reject' }), 10);
    const refuse = {
      status: 'failed',
      error: new EdgeplaneError('permission-denied', 'm', 'no write'),
    } as const;
    const dead = new RecordingSink([refuse]);
    const r = await loop({
      ingress: { transport: source },
      egress: { transport: new MemorySink() },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead, name: 'dlq' },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('permission-denied');
    expect(r.error?.message).toContain('dead letter "dlq" did not take 1 refused message(s)');
    expect(source.committed).toBe(13);
    expect(r.snapshot.adapters[2]?.last_error).toContain('no write');
  });
});

describe('a dead letter that cannot open', () => {
  it('fails the run naming the dead letter and its section of the config', async () => {
    const dead = new RecordingSink();
    dead.open = async () => {
      throw new EdgeplaneError(
        'unavailable',
        'transport:recording',
        'cannot connect to 127.0.0.1:1',
      );
    };
    const r = await loop({
      ingress: { transport: new MemorySource(bodies(3), 10) },
      egress: { transport: new MemorySink() },
      failurePolicy: 'dead_letter',
      deadLetter: { transport: dead, name: 'dlq' },
    }).run();
    expect(r.state).toBe('failed');
    expect(r.failedDuring).toBe('open');
    expect(r.error?.code).toBe('unavailable');
    expect(r.error?.message).toBe(
      '[adapter-loop] dead letter "dlq" (dead_letter.* in the adapter config): [transport:recording] cannot connect to 127.0.0.1:1',
    );
  });
});

describe('failure policy options', () => {
  const base = () => ({
    spec: spec(),
    ingress: { transport: new MemorySource([], 1) },
    egress: { transport: new MemorySink() },
  });
  it('refuses dead_letter without a binding, and a binding without dead_letter', () => {
    expect(() => createLoop({ ...base(), failurePolicy: 'dead_letter' })).toThrow(
      /dead_letter needs a dead-letter binding/,
    );
    expect(() => createLoop({ ...base(), deadLetter: { transport: new MemorySink() } })).toThrow(
      /failurePolicy is stop_pipeline/,
    );
  });
});
