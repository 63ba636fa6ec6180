import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';
import { ringSpecProblem, verifyRingSpec } from './verify.js';

const stage = (id: string, dependsOn: number[], key = 'identity') => ({
  id,
  stage: key,
  dependsOn,
});
const base = { name: 'orders', capacity: 1024, stages: [stage('a', [])] };

describe('verifyRingSpec: the parseSpec rules for a spec built in code', () => {
  it('accepts what parseSpec produces', () => {
    const { spec } = parseSpec(
      'name=o\nsingle_ring.stages.0.id=a\nsingle_ring.stages.1.id=b\nsingle_ring.stages.1.depends_on=0\n',
    );
    expect(() => verifyRingSpec(spec as Parameters<typeof verifyRingSpec>[0])).not.toThrow();
  });

  it.each([
    [
      'a missing dependency',
      { ...base, stages: [stage('a', []), stage('b', [3])] },
      'single_ring.stages.1.id=b\nsingle_ring.stages.1.depends_on=3',
      'depends on stage 3, which does not exist',
    ],
    [
      'a later dependency',
      { ...base, stages: [stage('a', [1]), stage('b', [])] },
      'single_ring.stages.0.depends_on=1\nsingle_ring.stages.1.id=b\nsingle_ring.stages.1.depends_on=',
      'which comes later',
    ],
    [
      'a duplicate id',
      { ...base, stages: [stage('a', []), stage('a', [0])] },
      'single_ring.stages.1.id=a\nsingle_ring.stages.1.depends_on=0',
      'duplicate stage id "a"',
    ],
    [
      'a capacity of 1000',
      { ...base, capacity: 1000 },
      'single_ring.capacity=1000',
      'power of two from 2 to 1048576',
    ],
  ])('refuses %s with the same detail parseSpec gives', (_name, built, line, detail) => {
    const text = `name=orders\nsingle_ring.stages.0.id=a\n${line}\n`;
    expect(() => parseSpec(text)).toThrow(detail);
    expect(ringSpecProblem(built)?.detail).toContain(detail);
    expect(() => verifyRingSpec(built)).toThrow(detail);
  });

  it('names the field, and the fix as hint, in an invalid-config EdgeplaneError', () => {
    let error: unknown;
    try {
      verifyRingSpec(
        { ...base, stages: [stage('a', []), stage('b', [0, 0])] },
        { component: 'adapter-loop' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'invalid-config',
      component: 'adapter-loop',
      message:
        '[adapter-loop] spec.stages[1].dependsOn: stage 1 ("b") lists stage 0 twice in depends_on; list each dependency once',
      details: { field: 'spec.stages[1].dependsOn' },
    });
  });

  it('refuses strict ordering with several shards and a shard key with one shard', () => {
    expect(ringSpecProblem({ ...base, shards: 2 })?.field).toBe('ordering');
    expect(ringSpecProblem({ ...base, shardKey: 'tenant' })?.field).toBe('shardKey');
    expect(
      ringSpecProblem({ ...base, shards: 2, ordering: 'per_key', shardKey: 'tenant' }),
    ).toBeUndefined();
  });
});
