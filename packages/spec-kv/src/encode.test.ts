import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeSpec } from './encode.js';
import { hashSpec } from './hash.js';
import { parseSpec } from './parse.js';
import { kv } from './test-helper.js';
import type { SingleRingSpec } from './types.js';

const SPEC: SingleRingSpec = {
  v: 1,
  name: 'orders',
  model: 'single_ring',
  shards: 4,
  producer: 'single',
  scheduling: 'dedicated',
  ordering: 'per_key',
  shardKey: 'customer',
  capacity: 2048,
  stages: [
    { id: 'parse', stage: 'identity', dependsOn: [] },
    { id: 'notify', stage: 'http_post:https://hooks.example/x', dependsOn: [0] },
  ],
  extra: { 'z.last': '1', 'a.first': 'x=y' },
};

const CANONICAL = kv(
  'v=1',
  'name=orders',
  'model=single_ring',
  'single_ring.shards=4',
  'single_ring.producer=single',
  'single_ring.scheduling=dedicated',
  'single_ring.ordering=per_key',
  'single_ring.shard_key=customer',
  'single_ring.capacity=2048',
  'single_ring.stages.0.id=parse',
  'single_ring.stages.0.stage=identity',
  'single_ring.stages.0.depends_on=',
  'single_ring.stages.1.id=notify',
  'single_ring.stages.1.stage=http_post:https://hooks.example/x',
  'single_ring.stages.1.depends_on=0',
  'a.first=x=y',
  'z.last=1',
);

describe('encodeSpec and hashSpec (reference decision 1)', () => {
  it('writes the documented key order, extras sorted, with a final newline', () => {
    expect(encodeSpec(SPEC)).toBe(CANONICAL);
  });

  it('hashes the canonical bytes with a sha256: prefix', () => {
    const hex = createHash('sha256').update(CANONICAL).digest('hex');
    expect(hashSpec(SPEC)).toBe(`sha256:${hex}`);
    expect(parseSpec(CANONICAL).hash).toBe(`sha256:${hex}`);
  });

  it('round-trips: parse(encode(spec)) is the spec', () => {
    const parsed = parseSpec(CANONICAL);
    expect(parsed.spec).toEqual(SPEC);
    expect(parsed.canonical).toBe(CANONICAL);
  });

  it('hashes the same regardless of comments, blank lines, order, CRLF and spelled-out defaults', () => {
    const messy = [
      '# orders pipeline',
      'z.last=1',
      'single_ring.stages.1.depends_on=0',
      '',
      'single_ring.stages.1.stage=http_post:https://hooks.example/x',
      'single_ring.capacity=2048',
      'name=orders',
      'single_ring.stages.1.id=notify',
      'single_ring.ordering=per_key',
      'single_ring.shard_key=customer',
      'a.first=x=y',
      '# the first stage',
      'single_ring.stages.0.id=parse',
      'single_ring.shards=4',
    ].join('\r\n');
    expect(parseSpec(messy).hash).toBe(hashSpec(SPEC));
    expect(parseSpec(messy).canonical).toBe(CANONICAL);
  });

  it('encodes LaneGraph keys sorted after the header', () => {
    const text = encodeSpec({
      v: 1,
      name: 'g',
      model: 'lane_graph',
      keys: { 'lane_graph.b': '2', 'lane_graph.a': '1' },
    });
    expect(text).toBe(kv('v=1', 'name=g', 'model=lane_graph', 'lane_graph.a=1', 'lane_graph.b=2'));
  });
});
