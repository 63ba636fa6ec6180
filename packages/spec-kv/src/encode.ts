import type { LaneGraphSpec, SingleRingSpec, Spec } from './types.js';

const byKey = ([a]: [string, string], [b]: [string, string]): number =>
  a < b ? -1 : a > b ? 1 : 0;
const sorted = (record: Readonly<Record<string, string>>): string[] =>
  Object.entries(record)
    .sort(byKey)
    .map(([key, value]) => `${key}=${value}`);

function singleRingLines(spec: SingleRingSpec): string[] {
  const lines = [
    `single_ring.shards=${spec.shards}`,
    `single_ring.producer=${spec.producer}`,
    `single_ring.scheduling=${spec.scheduling}`,
    `single_ring.ordering=${spec.ordering}`,
  ];
  if (spec.shardKey !== undefined) lines.push(`single_ring.shard_key=${spec.shardKey}`);
  lines.push(`single_ring.capacity=${spec.capacity}`);
  spec.stages.forEach((stage, i) => {
    lines.push(
      `single_ring.stages.${i}.id=${stage.id}`,
      `single_ring.stages.${i}.stage=${stage.stage}`,
      `single_ring.stages.${i}.depends_on=${stage.dependsOn.join(',')}`,
    );
  });
  return [...lines, ...sorted(spec.extra)];
}

function laneGraphLines(spec: LaneGraphSpec): string[] {
  return sorted(spec.keys);
}

/**
 * The canonical text of a spec (reference decision 1): `v=1`, `name=`, `model=`, then for
 * SingleRing `single_ring.shards`, `.producer`, `.scheduling`, `.ordering`, `.shard_key` (only
 * when set), `.capacity`, then per stage in index order `id`, `stage`, `depends_on` (always
 * written, possibly empty), then the unknown keys sorted by byte order; for LaneGraph every
 * key sorted. No comments, no blank lines, LF endings, a final newline. Every default is
 * written out, so an absent key and its default encode the same.
 *
 * It does not validate: check a hand-built spec with `parseSpec(encodeSpec(spec))`.
 */
export function encodeSpec(spec: Spec): string {
  const body = spec.model === 'single_ring' ? singleRingLines(spec) : laneGraphLines(spec);
  return `${[`v=${spec.v}`, `name=${spec.name}`, `model=${spec.model}`, ...body].join('\n')}\n`;
}
