import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';
import { expectSpecError, kv } from './test-helper.js';

const HUB = kv(
  'pipeline.name=example',
  'pipeline.target=SingleRing',
  'pipeline.stages.0.id=stage-a',
  'pipeline.stages.1.id=stage-b',
  'pipeline.constraints.shards=1',
);

describe('lower: the hub authoring form (reference decision 1)', () => {
  it('lowers the hub example to the canonical form, chaining the stages', () => {
    const parsed = parseSpec(HUB);
    expect(parsed.canonical).toBe(
      kv(
        'v=1',
        'name=example',
        'model=single_ring',
        'single_ring.shards=1',
        'single_ring.producer=single',
        'single_ring.scheduling=dedicated',
        'single_ring.ordering=strict',
        'single_ring.capacity=1024',
        'single_ring.stages.0.id=stage-a',
        'single_ring.stages.0.stage=identity',
        'single_ring.stages.0.depends_on=',
        'single_ring.stages.1.id=stage-b',
        'single_ring.stages.1.stage=identity',
        'single_ring.stages.1.depends_on=0',
      ),
    );
    expect(parsed.warnings).toEqual([]);
    expect(parseSpec(parsed.canonical).hash).toBe(parsed.hash);
  });

  it('keeps explicit depends_on and stage keys, and lowers the other constraints', () => {
    const { spec } = parseSpec(
      kv(
        'pipeline.name=fanout',
        'pipeline.target=single_ring',
        'pipeline.constraints.shards=2',
        'pipeline.constraints.ordering=per_key',
        'pipeline.constraints.shard_key=customer',
        'pipeline.constraints.capacity=256',
        'pipeline.stages.0.id=read',
        'pipeline.stages.1.id=post',
        'pipeline.stages.1.stage=http_post:https://hooks.example/in',
        'pipeline.stages.2.id=log',
        'pipeline.stages.2.stage=exec:/usr/bin/logger',
        'pipeline.stages.2.depends_on=0',
      ),
    );
    expect(spec).toMatchObject({
      name: 'fanout',
      shards: 2,
      ordering: 'per_key',
      shardKey: 'customer',
      capacity: 256,
      stages: [
        { id: 'read', stage: 'identity', dependsOn: [] },
        { id: 'post', stage: 'http_post:https://hooks.example/in', dependsOn: [0] },
        { id: 'log', stage: 'exec:/usr/bin/logger', dependsOn: [0] },
      ],
    });
  });

  it('defaults the target to SingleRing and keeps unknown pipeline keys as extras', () => {
    const { spec, warnings } = parseSpec(
      kv('pipeline.name=x', 'pipeline.owner=team', 'pipeline.stages.0.id=a'),
    );
    expect(spec).toMatchObject({ model: 'single_ring', extra: { 'pipeline.owner': 'team' } });
    expect(warnings.map((w) => w.message)).toEqual([
      'unknown key "pipeline.owner" ignored (forward compatibility)',
    ]);
    expect(
      parseSpec(
        parseSpec(kv('pipeline.name=x', 'pipeline.owner=team', 'pipeline.stages.0.id=a')).canonical,
      ).spec,
    ).toEqual(spec);
  });

  it('lowers LaneGraph targets to lane_graph keys', () => {
    const { spec, canonical } = parseSpec(
      kv('pipeline.name=g', 'pipeline.target=LaneGraph', 'pipeline.lanes.0.kind=events'),
    );
    expect(spec).toEqual({
      v: 1,
      name: 'g',
      model: 'lane_graph',
      keys: { 'lane_graph.lanes.0.kind': 'events' },
    });
    expect(canonical).toBe(
      kv('v=1', 'name=g', 'model=lane_graph', 'lane_graph.lanes.0.kind=events'),
    );
  });

  it('reports errors with the key as written', () => {
    expectSpecError(
      kv(
        'pipeline.name=x',
        'pipeline.stages.0.id=a',
        'pipeline.stages.1.id=b',
        'pipeline.stages.1.stage=upper',
      ),
      'spec.kv:4:25: unknown stage "upper" in pipeline.stages.1.stage; built-in stages: identity, http_post:<url>, exec:<program>|...; register custom stages with createStageResolver()',
    );
    expectSpecError(
      kv('pipeline.name=x', 'pipeline.stages.0.id=a', 'pipeline.stages.0.name=b'),
      'spec.kv:3:1: "pipeline.stages.0.name" is not a stage field; stage fields are id, stage and depends_on',
    );
    expectSpecError(
      kv('pipeline.name=x', 'pipeline.constraints.producer=mpmc', 'pipeline.stages.0.id=a'),
      'spec.kv:2:31: pipeline.constraints.producer=mpmc is not supported in v1: SingleRing has a single producer; use producer=single',
    );
    expectSpecError(
      kv('pipeline.target=SingleRing', 'pipeline.stages.0.id=a'),
      'spec.kv:3:1: missing required key "pipeline.name"',
    );
    const e = expectSpecError(
      kv('pipeline.name=x', 'pipeline.constraints.shards=3', 'pipeline.stages.0.id=a'),
      'spec.kv:2:29: ordering strict requires shards=1, got shards=3 (strict is the default ordering)',
    );
    expect(e.hint).toBe(
      'set pipeline.constraints.ordering=per_key (with pipeline.constraints.shard_key) for several shards, or use shards=1',
    );
  });

  it('rejects an unknown target', () => {
    expectSpecError(
      kv('pipeline.name=x', 'pipeline.target=Ring'),
      'spec.kv:2:17: unknown pipeline.target "Ring"; expected SingleRing or LaneGraph',
    );
  });

  it('rejects mixing both forms in one file, at the later key', () => {
    const e = expectSpecError(
      kv('v=1', 'pipeline.name=x', 'single_ring.stages.0.id=a'),
      'spec.kv:3:1: mixed spec forms: "pipeline.name" (line 2) is the pipeline.* authoring form, "single_ring.stages.0.id" (line 3) the canonical form',
    );
    expect(e.key).toBe('single_ring.stages.0.id');
    expectSpecError(
      kv('name=x', 'single_ring.stages.0.id=a', 'pipeline.constraints.shards=1'),
      'spec.kv:3:1: mixed spec forms: "pipeline.constraints.shards" (line 3) is the pipeline.* authoring form, "name" (line 1) the canonical form',
    );
  });
});
