import { isEdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { createLoop, createStageResolver, type LoopOptions } from '../src/index.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

type Stages = Parameters<typeof spec>[0];

const options = (over: Partial<LoopOptions> = {}, stages?: Stages): LoopOptions => ({
  spec: spec(stages),
  ingress: { transport: new MemorySource(bodies(10)) },
  egress: { transport: new MemorySink() },
  ...over,
});

/** createLoop(options) must throw an invalid-config EdgeplaneError whose message contains `text`; returns its hint. */
function refused(opts: LoopOptions, text: string): string | undefined {
  let thrown: unknown;
  try {
    createLoop(opts);
  } catch (error) {
    thrown = error;
  }
  expect(isEdgeplaneError(thrown), `expected an EdgeplaneError, got ${String(thrown)}`).toBe(true);
  expect(thrown).toMatchObject({ code: 'invalid-config', component: 'adapter-loop' });
  expect((thrown as Error).message).toContain(text);
  return (thrown as { hint?: string }).hint;
}

const s = (id: string, dependsOn: number[], stage = 'identity') => ({ id, stage, dependsOn });

describe('createLoop validates an inline spec by the spec-kv rules, at once', () => {
  it('refuses a dependency on a stage that does not exist', () => {
    expect(
      refused(
        options({}, [s('a', []), s('b', [5])]),
        'spec.stages[1].dependsOn: stage 1 ("b") depends on stage 5, which does not exist',
      ),
    ).toBe('use index 0');
  });
  it('refuses a dependency on a later stage (the only way to write a cycle)', () => {
    refused(
      options({}, [s('a', [1]), s('b', [0])]),
      'spec.stages[0].dependsOn: stage 0 ("a") depends on stage 1, which comes later',
    );
    refused(options({}, [s('a', [0])]), 'stage 0 ("a") depends on itself');
  });
  it('refuses duplicate ids, more than four stages and no stages', () => {
    refused(options({}, [s('a', []), s('a', [0])]), 'spec.stages[1].id: duplicate stage id "a"');
    const five = ['a', 'b', 'c', 'd', 'e'].map((id) => s(id, []));
    refused(options({}, five), 'spec.stages: 5 stages; v1 allows at most 4');
    refused(options({}, []), 'spec.stages: expected 1 to 4 stages, got none');
  });
  it('refuses a capacity that is not a power of two with invalid-config, not RangeError', () => {
    expect(
      refused(
        options({ spec: { ...spec(), capacity: 1000 } }),
        'spec.capacity: expected a power of two from 2 to 1048576, got 1000',
      ),
    ).toContain('1024');
  });
  it('refuses a maxMessages that is not an integer ≥ 0', () => {
    refused(options({ maxMessages: 2.5 }), 'maxMessages: expected an integer ≥ 0, got 2.5');
    refused(options({ maxMessages: -1 }), 'maxMessages: expected an integer ≥ 0, got -1');
  });
  it('refuses batch, retry and timing settings out of range, naming the option', () => {
    refused(options({ batch: { maxMessages: 0 } }), 'batch.maxMessages: expected an integer');
    refused(options({ retry: { maxRetries: 1.5 } }), 'retry.maxRetries: expected an integer');
    refused(options({ shutdownTimeoutMs: -5 }), 'shutdownTimeoutMs: expected an integer');
  });
  it('refuses an ingress that cannot receive and an egress that cannot send', () => {
    refused(
      options({ ingress: { transport: new MemorySink() } }),
      'ingress: transport "memory" cannot be an ingress (it has no receive())',
    );
    const { send: _, ...noSend } = new MemorySink();
    const sinkless = { ...noSend, name: 'memory', open: async () => {}, close: async () => {} };
    refused(options({ egress: { transport: sinkless } }), 'cannot be an egress');
  });
  it('refuses settings for a stage id the spec does not have', () => {
    refused(options({ stageSettings: { nope: { a: '1' } } }), 'stageSettings.nope: no stage');
  });
});

describe('ring settings are honoured or refused', () => {
  it('refuses several shards, with the reason', () => {
    const sharded = { ...spec(), shards: 4, ordering: 'per_key' as const, shardKey: 'tenant' };
    expect(
      refused(
        options({ spec: sharded }),
        'spec.shards: the adapter loop runs one shard per loop, got 4',
      ),
    ).toContain('shards=1');
  });
  it('refuses a combination spec-kv refuses (strict ordering with several shards)', () => {
    refused(
      options({ spec: { ...spec(), shards: 2, ordering: 'strict' as const } }),
      'spec.ordering: ordering strict requires shards=1',
    );
  });
  it('honours ordering=per_key with one shard: every key stays in order', async () => {
    const source = new MemorySource(bodies(300), 7);
    const sink = new MemorySink();
    const r = await createLoop({
      ...options(),
      spec: { ...spec(), shards: 1, ordering: 'per_key' as const },
      ingress: { transport: source },
      egress: { transport: sink },
    }).run();
    expect(r.state).toBe('stopped');
    expect(sink.received).toEqual(bodies(300));
  });
});

describe('an unknown stage key', () => {
  it('is refused by createLoop, listing the registered stages and the closest match', () => {
    const stages = createStageResolver({
      uppercase: () => ({ key: 'uppercase', process: (m) => m }),
      'dataguard:': () => ({ key: 'dataguard:x', process: (m) => m }),
    });
    expect(
      refused(
        options({ stages }, [s('a', [], 'upercase')]),
        'spec.stages[0].stage: unknown stage "upercase" (stage 0, id "a")',
      ),
    ).toBe(
      'did you mean "uppercase"? registered stages: identity, uppercase, dataguard:<…>; register custom stages with createStageResolver()',
    );
  });
});
