import { encodeSpec } from './encode.js';
import { sinkStages } from './graph.js';
import { hashCanonical } from './hash.js';
import { stageCapability } from './stage-key.js';
import type { SingleRingSpec, Spec } from './types.js';

const ref = (spec: SingleRingSpec, i: number): string => `${i} (${spec.stages[i]?.id})`;

/**
 * Stage settings to show beside each stage: by stage id, setting name -> value as it should be
 * printed (the caller redacts secrets and escapes control characters: this module prints as is).
 */
export type ShownStageSettings = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Options of `describeSpec` and `renderDot`. */
export interface SpecViewOptions {
  /** Each stage's settings (`stages.<id>.<name>=value` of the adapter config), already redacted. */
  readonly stageSettings?: ShownStageSettings | undefined;
}

/** `[name, value]` pairs of one stage's shown settings, sorted by name. */
export function shownSettings(
  options: SpecViewOptions | undefined,
  id: string,
): Array<[string, string]> {
  const own = options?.stageSettings;
  const settings = own && Object.hasOwn(own, id) ? own[id] : undefined;
  return settings ? Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
}

function ringLines(spec: SingleRingSpec, options: SpecViewOptions | undefined): string[] {
  const shardKey = spec.shardKey === undefined ? '' : `, shard_key=${spec.shardKey}`;
  const lines = [
    `ring: shards=${spec.shards}, producer=${spec.producer}, scheduling=${spec.scheduling}, ordering=${spec.ordering}${shardKey}, capacity=${spec.capacity}`,
    `stages: ${spec.stages.length}`,
  ];
  spec.stages.forEach((stage, i) => {
    const from = stage.dependsOn.length
      ? stage.dependsOn.map((d) => ref(spec, d)).join(', ')
      : 'ingress';
    const capability = stageCapability(stage.stage);
    const effect = capability ? `; side effect: ${capability}` : '';
    lines.push(`  [${i}] ${stage.id}: ${stage.stage}; depends on: ${from}${effect}`);
    for (const [name, value] of shownSettings(options, stage.id))
      lines.push(`      stages.${stage.id}.${name}=${value}`);
  });
  lines.push(
    `egress: from ${sinkStages(spec.stages)
      .map((i) => ref(spec, i))
      .join(', ')}`,
  );
  const capabilities = [...new Set(spec.stages.map((s) => stageCapability(s.stage)))].filter(
    (c) => c !== null,
  );
  lines.push(
    capabilities.length
      ? `side effects: ${capabilities.join(', ')} (governed: staging and prod need an approval covering them)`
      : 'side effects: none',
  );
  const extra = Object.keys(spec.extra).sort();
  if (extra.length) lines.push(`unknown keys (kept, not used): ${extra.join(', ')}`);
  return lines;
}

/**
 * A human-readable, multi-line description of a spec (reference decision 1: describe shows the
 * canonical form): name, model, hash, ring settings, each stage with its key, its
 * dependencies and its governed side effect (if any), the egress stages, then the canonical
 * text indented by two spaces. Ends with a newline. With `options.stageSettings`, each stage is
 * followed by its settings, one `stages.<id>.<name>=value` line each (indented by six spaces).
 *
 * @example
 * spec "orders": single_ring, v1
 * hash: sha256:...
 * ring: shards=1, producer=single, scheduling=dedicated, ordering=strict, capacity=1024
 * stages: 2
 *   [0] parse: identity; depends on: ingress
 *   [1] notify: http_post:https://hooks.example/x; depends on: 0 (parse); side effect: http_post
 * egress: from 1 (notify)
 * side effects: http_post (governed: staging and prod need an approval covering them)
 * canonical:
 *   v=1
 *   ...
 */
export function describeSpec(spec: Spec, options?: SpecViewOptions): string {
  const canonical = encodeSpec(spec);
  const body =
    spec.model === 'single_ring'
      ? ringLines(spec, options)
      : [
          `lane_graph: not supported by edgeplane yet (run rejects it); ${Object.keys(spec.keys).length} keys kept verbatim`,
        ];
  const lines = [
    `spec "${spec.name}": ${spec.model}, v${spec.v}`,
    `hash: ${hashCanonical(canonical)}`,
    ...body,
    'canonical:',
    ...canonical
      .slice(0, -1)
      .split('\n')
      .map((line) => `  ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}
