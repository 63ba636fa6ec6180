import type { SpecStage } from './types.js';

/** Indices of the stages no other stage depends on: they feed egress. */
export function sinkStages(stages: readonly SpecStage[]): number[] {
  const used = new Set(stages.flatMap((s) => s.dependsOn));
  return stages.map((_, i) => i).filter((i) => !used.has(i));
}
