import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';
import { expectSpecError, kv, MINIMAL } from './test-helper.js';

describe('parseSpec: defaults and warnings', () => {
  it('fills in the v1 defaults', () => {
    const { spec, warnings } = parseSpec(kv('name=orders', 'single_ring.stages.0.id=parse'));
    expect(spec).toEqual({
      v: 1,
      name: 'orders',
      model: 'single_ring',
      shards: 1,
      producer: 'single',
      scheduling: 'dedicated',
      ordering: 'strict',
      capacity: 1024,
      stages: [{ id: 'parse', stage: 'identity', dependsOn: [] }],
      extra: {},
    });
    expect(warnings).toEqual([]);
  });

  it('reads every ring key', () => {
    const { spec } = parseSpec(
      kv(
        ...MINIMAL,
        'model=single_ring',
        'single_ring.shards=4',
        'single_ring.producer=single',
        'single_ring.scheduling=dedicated',
        'single_ring.ordering=per_key',
        'single_ring.shard_key=customer',
        'single_ring.capacity=4096',
      ),
    );
    expect(spec).toMatchObject({
      shards: 4,
      ordering: 'per_key',
      shardKey: 'customer',
      capacity: 4096,
    });
  });

  it('keeps unknown keys in extra and warns about each', () => {
    const { spec, warnings } = parseSpec(kv(...MINIMAL, 'single_ring.shard=4', 'owner=team-a'));
    expect(spec.model === 'single_ring' && spec.extra).toEqual({
      'single_ring.shard': '4',
      owner: 'team-a',
    });
    expect(warnings).toEqual([
      {
        file: 'spec.kv',
        line: 4,
        column: 1,
        key: 'single_ring.shard',
        message: 'unknown key "single_ring.shard" ignored (forward compatibility)',
      },
      {
        file: 'spec.kv',
        line: 5,
        column: 1,
        key: 'owner',
        message: 'unknown key "owner" ignored (forward compatibility)',
      },
    ]);
  });

  it('recognises LaneGraph specs without validating them', () => {
    const lanes = kv('name=graph', 'lane_graph.lanes.0.kind=events', 'lane_graph.on_full=Block');
    const { spec, warnings } = parseSpec(lanes);
    expect(spec).toEqual({
      v: 1,
      name: 'graph',
      model: 'lane_graph',
      keys: { 'lane_graph.lanes.0.kind': 'events', 'lane_graph.on_full': 'Block' },
    });
    expect(warnings).toEqual([]);
    expect(parseSpec(kv('model=lane_graph', 'name=g')).spec).toMatchObject({
      model: 'lane_graph',
      keys: {},
    });
  });
});

describe('parseSpec: file-level rules', () => {
  it('rejects an empty file at 1:1, and a comment-only file at its end', () => {
    expectSpecError('', 'spec.kv:1:1: spec is empty: no key=value lines');
    expectSpecError('# nothing\n\n', 'spec.kv:3:1: spec is empty: no key=value lines');
  });

  it('rejects other versions', () => {
    expectSpecError(
      kv('v=2', 'name=orders'),
      'spec.kv:1:3: unsupported spec version "2"; edgeplane reads v=1',
    );
  });

  it('rejects unknown models', () => {
    expectSpecError(
      kv(...MINIMAL, 'model=SingleRing'),
      'spec.kv:4:7: unknown model "SingleRing"; expected single_ring or lane_graph',
    );
  });

  it('requires a well-formed name', () => {
    expectSpecError(
      kv('v=1', 'single_ring.stages.0.id=a'),
      'spec.kv:3:1: missing required key "name"',
    );
    expectSpecError(
      kv('name=my orders'),
      'spec.kv:1:6: name: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got "my orders"',
    );
    expectSpecError(
      kv('name='),
      'spec.kv:1:6: name: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got ""',
    );
    expectSpecError(
      kv(`name=${'n'.repeat(65)}`),
      `spec.kv:1:6: name: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got "${'n'.repeat(65)}"`,
    );
  });

  it('rejects a SingleRing without stages at the end of the file', () => {
    expectSpecError(kv('v=1', 'name=orders'), 'spec.kv:3:1: single_ring has no stages');
  });
});

describe('parseSpec: ring rules (v1 semantics)', () => {
  it('rejects shards that are not a decimal integer ≥ 1', () => {
    for (const bad of ['two', '0', '-1', '1.5', '01', '+2', '']) {
      expectSpecError(
        kv(...MINIMAL, `single_ring.shards=${bad}`),
        `spec.kv:4:20: single_ring.shards: expected a decimal integer ≥ 1, got "${bad}"`,
      );
    }
  });

  it('rejects producer=mpmc and other producers', () => {
    const e = expectSpecError(
      kv(...MINIMAL, 'single_ring.producer=mpmc'),
      'spec.kv:4:22: single_ring.producer=mpmc is not supported in v1: SingleRing has a single producer; use producer=single',
    );
    expect(e.hint).toBe(
      'write single_ring.producer=single (or remove the line: single is the default)',
    );
    expectSpecError(
      kv(...MINIMAL, 'single_ring.producer=Single'),
      'spec.kv:4:22: single_ring.producer: expected single, got "Single"',
    );
  });

  it('rejects scheduling=work_queue and other scheduling', () => {
    expectSpecError(
      kv(...MINIMAL, 'single_ring.scheduling=work_queue'),
      'spec.kv:4:24: single_ring.scheduling=work_queue is not supported in v1: SingleRing runs every stage on its own dedicated thread; use scheduling=dedicated',
    );
    expectSpecError(
      kv(...MINIMAL, 'single_ring.scheduling=shared'),
      'spec.kv:4:24: single_ring.scheduling: expected dedicated, got "shared"',
    );
  });

  it('checks ordering against shards', () => {
    expectSpecError(
      kv(...MINIMAL, 'single_ring.ordering=total'),
      'spec.kv:4:22: single_ring.ordering: expected strict or per_key, got "total"',
    );
    expectSpecError(
      kv(...MINIMAL, 'single_ring.shards=2', 'single_ring.ordering=strict'),
      'spec.kv:5:22: ordering strict requires shards=1, got shards=2',
    );
    const e = expectSpecError(
      kv(...MINIMAL, 'single_ring.shards=2'),
      'spec.kv:4:20: ordering strict requires shards=1, got shards=2 (strict is the default ordering)',
    );
    expect(e.hint).toBe(
      'set single_ring.ordering=per_key (with single_ring.shard_key) for several shards, or use shards=1',
    );
    expect(parseSpec(kv(...MINIMAL, 'single_ring.ordering=per_key')).spec).toMatchObject({
      shards: 1,
      ordering: 'per_key',
    });
  });

  it('accepts shard_key only with several shards', () => {
    expectSpecError(
      kv(...MINIMAL, 'single_ring.shard_key=customer'),
      'spec.kv:4:23: single_ring.shard_key is only used when shards > 1 (shards is 1)',
    );
    expectSpecError(
      kv(
        ...MINIMAL,
        'single_ring.shards=2',
        'single_ring.ordering=per_key',
        'single_ring.shard_key=',
      ),
      'spec.kv:6:23: single_ring.shard_key: expected a non-empty key name',
    );
  });

  it('requires capacity to be a power of two in [2, 1048576]', () => {
    for (const bad of ['1000', '1', '0', '2097152', '1k', '01024']) {
      expectSpecError(
        kv(...MINIMAL, `single_ring.capacity=${bad}`),
        `spec.kv:4:22: single_ring.capacity: expected a power of two from 2 to 1048576, got "${bad}"`,
      );
    }
    for (const good of [2, 64, 1048576]) {
      expect(parseSpec(kv(...MINIMAL, `single_ring.capacity=${good}`)).spec).toMatchObject({
        capacity: good,
      });
    }
  });
});
