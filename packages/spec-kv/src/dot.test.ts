import { describe, expect, it } from 'vitest';
import { renderDot } from './dot.js';
import { parseSpec } from './parse.js';
import { kv } from './test-helper.js';

describe('renderDot', () => {
  it('draws ingress -> stages (by depends_on) -> egress', () => {
    const { spec } = parseSpec(
      kv(
        'name=orders',
        'single_ring.stages.0.id=parse',
        'single_ring.stages.1.id=enrich',
        'single_ring.stages.1.depends_on=0',
        'single_ring.stages.2.id=audit',
        'single_ring.stages.2.stage=exec:/bin/audit|"q"',
        'single_ring.stages.2.depends_on=',
        'single_ring.stages.3.id=post',
        'single_ring.stages.3.stage=http_post:https://hooks.example/in',
        'single_ring.stages.3.depends_on=1,2',
      ),
    );
    expect(renderDot(spec)).toBe(
      kv(
        'digraph "orders" {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  ingress [shape=cds, label="ingress"];',
        '  egress [shape=cds, label="egress"];',
        '  s0 [label="0: parse\\nidentity"];',
        '  s1 [label="1: enrich\\nidentity"];',
        '  s2 [label="2: audit\\nexec:/bin/audit|\\"q\\"\\n(side effect: exec)", color=red, style=bold];',
        '  s3 [label="3: post\\nhttp_post:https://hooks.example/in\\n(side effect: http_post)", color=red, style=bold];',
        '  ingress -> s0;',
        '  s0 -> s1;',
        '  ingress -> s2;',
        '  s1 -> s3;',
        '  s2 -> s3;',
        '  s3 -> egress;',
        '}',
      ),
    );
  });

  it('connects every stage nobody depends on to egress', () => {
    const { spec } = parseSpec(
      kv('name=x', 'single_ring.stages.0.id=a', 'single_ring.stages.1.id=b'),
    );
    const dot = renderDot(spec);
    expect(dot).toContain(
      '  ingress -> s0;\n  ingress -> s1;\n  s0 -> egress;\n  s1 -> egress;\n}',
    );
  });

  it('escapes backslashes and quotes', () => {
    const { spec } = parseSpec(
      kv('name=x', 'single_ring.stages.0.id=a', 'single_ring.stages.0.stage=exec:C:\\bin\\x.exe'),
    );
    expect(renderDot(spec)).toContain(
      'label="0: a\\nexec:C:\\\\bin\\\\x.exe\\n(side effect: exec)"',
    );
  });

  it('renders a LaneGraph as a labelled empty graph', () => {
    const { spec } = parseSpec(kv('name=g', 'model=lane_graph'));
    expect(renderDot(spec)).toBe(
      kv(
        'digraph "g" {',
        '  rankdir=LR;',
        '  label="lane_graph: not supported by edgeplane yet";',
        '}',
      ),
    );
  });

  it("adds each stage's settings to its label, one name=value line each", () => {
    const { spec } = parseSpec(
      kv('name=s', 'single_ring.stages.0.id=limit', 'single_ring.stages.0.stage=rate_limit'),
      { knownStages: ['rate_limit'] },
    );
    const dot = renderDot(spec, { stageSettings: { limit: { rate: '100', burst: '5' } } });
    expect(dot).toContain('  s0 [label="0: limit\\nrate_limit\\nburst=5\\nrate=100"];');
    expect(renderDot(spec, {})).toBe(renderDot(spec));
  });
});
