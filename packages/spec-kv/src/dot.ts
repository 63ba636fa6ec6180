import { type SpecViewOptions, shownSettings } from './describe.js';
import { sinkStages } from './graph.js';
import { stageCapability } from './stage-key.js';
import type { Spec } from './types.js';

/** A DOT double-quoted string: backslashes and quotes escaped. */
const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The spec as a Graphviz digraph (`dot -Tsvg`). Nodes: `ingress`, one `sN` per stage (label
 * `N: id` and the stage key; side-effecting stages are drawn bold red with their capability),
 * `egress`; with `options.stageSettings`, a stage's label also lists its settings, one
 * `name=value` line each. Edges: `ingress -> sN` for stages without dependencies, `sD -> sN` for each
 * dependency, `sN -> egress` for stages nobody depends on. A LaneGraph renders as an empty
 * graph with a label saying it is not supported yet. Source: edgeplane's `dot` verb (reference 3);
 * the edge rules follow v1 semantics (the first stages read from the ring head, the final stages
 * are the release boundary).
 */
export function renderDot(spec: Spec, options?: SpecViewOptions): string {
  const lines = [`digraph ${quote(spec.name)} {`, '  rankdir=LR;'];
  if (spec.model === 'lane_graph') {
    lines.push(`  label=${quote('lane_graph: not supported by edgeplane yet')};`, '}');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    '  node [shape=box];',
    '  ingress [shape=cds, label="ingress"];',
    '  egress [shape=cds, label="egress"];',
  );
  spec.stages.forEach((stage, i) => {
    const capability = stageCapability(stage.stage);
    const settings = shownSettings(options, stage.id).map(([k, v]) => `\n${k}=${v}`);
    const label = `${i}: ${stage.id}\n${stage.stage}${capability ? `\n(side effect: ${capability})` : ''}${settings.join('')}`;
    const style = capability ? ', color=red, style=bold' : '';
    lines.push(`  s${i} [label=${quote(label).replace(/\n/g, '\\n')}${style}];`);
  });
  spec.stages.forEach((stage, i) => {
    if (stage.dependsOn.length === 0) lines.push(`  ingress -> s${i};`);
    for (const dep of stage.dependsOn) lines.push(`  s${dep} -> s${i};`);
  });
  for (const i of sinkStages(spec.stages)) lines.push(`  s${i} -> egress;`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
