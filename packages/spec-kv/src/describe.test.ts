import { describe, expect, it } from 'vitest';
import { describeSpec } from './describe.js';
import { parseSpec } from './parse.js';
import { kv } from './test-helper.js';

describe('describeSpec', () => {
  it('describes a SingleRing with dependencies, egress, side effects and the canonical form', () => {
    const { spec, hash, canonical } = parseSpec(
      kv(
        'name=orders',
        'single_ring.stages.0.id=parse',
        'single_ring.stages.1.id=notify',
        'single_ring.stages.1.stage=http_post:https://hooks.example/x',
        'single_ring.stages.1.depends_on=0',
        'single_ring.stages.2.id=log',
        'single_ring.stages.2.stage=exec:/usr/bin/logger|-t|edgeplane',
        'single_ring.stages.2.depends_on=0',
        'owner=team-a',
      ),
    );
    const indented = canonical
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`);
    expect(describeSpec(spec)).toBe(
      kv(
        'spec "orders": single_ring, v1',
        `hash: ${hash}`,
        'ring: shards=1, producer=single, scheduling=dedicated, ordering=strict, capacity=1024',
        'stages: 3',
        '  [0] parse: identity; depends on: ingress',
        '  [1] notify: http_post:https://hooks.example/x; depends on: 0 (parse); side effect: http_post',
        '  [2] log: exec:/usr/bin/logger|-t|edgeplane; depends on: 0 (parse); side effect: exec',
        'egress: from 1 (notify), 2 (log)',
        'side effects: http_post, exec (governed: staging and prod need an approval covering them)',
        'unknown keys (kept, not used): owner',
        'canonical:',
        ...indented,
      ),
    );
  });

  it('says "none" without side effects and shows the shard key', () => {
    const { spec } = parseSpec(
      kv(
        'name=s',
        'single_ring.shards=2',
        'single_ring.ordering=per_key',
        'single_ring.shard_key=k',
        'single_ring.stages.0.id=a',
      ),
    );
    const text = describeSpec(spec);
    expect(text).toContain(
      'ring: shards=2, producer=single, scheduling=dedicated, ordering=per_key, shard_key=k, capacity=1024\n',
    );
    expect(text).toContain('\nside effects: none\n');
    expect(text).not.toContain('unknown keys');
  });

  it('describes a LaneGraph as recognised but not supported', () => {
    const { spec } = parseSpec(kv('name=g', 'lane_graph.on_full=Block'));
    expect(describeSpec(spec).split('\n').slice(2, 4)).toEqual([
      'lane_graph: not supported by edgeplane yet (run rejects it); 1 keys kept verbatim',
      'canonical:',
    ]);
  });

  it("lists each stage's settings under it, sorted, as the caller gave them (already redacted)", () => {
    const { spec } = parseSpec(
      kv(
        'name=s',
        'single_ring.stages.0.id=mask',
        'single_ring.stages.0.stage=redact',
        'single_ring.stages.1.id=fwd',
        'single_ring.stages.1.depends_on=0',
      ),
      { knownStages: ['redact'] },
    );
    const text = describeSpec(spec, {
      stageSettings: { mask: { presets: 'email', hmac_key: '[redacted]' }, other: { x: '1' } },
    });
    expect(text).toContain(
      [
        '  [0] mask: redact; depends on: ingress',
        '      stages.mask.hmac_key=[redacted]',
        '      stages.mask.presets=email',
        '  [1] fwd: identity; depends on: 0 (mask)',
        'egress: from 1 (fwd)',
      ].join('\n'),
    );
    expect(describeSpec(spec, {})).toBe(describeSpec(spec));
    expect(describeSpec(spec, { stageSettings: {} })).not.toContain('      stages.');
  });
});
