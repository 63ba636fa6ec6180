import { printable } from '@edgeplane/errors';
import { checkDependencies } from './depends-on.js';
import { fail } from './errors.js';
import { type Entry, RESERVED_SEGMENTS } from './lex.js';
import { STAGE_ID } from './rules.js';
import { groupStages, keyAt, prefixOf, type RawStage, valueAt } from './stage-group.js';
import { checkStageKey } from './stage-key.js';
import { SEQUENCED_SLOTS_V1_GATING, type SpecStage } from './types.js';

/** What stage validation needs to know about the file. */
export interface StageContext {
  readonly file: string;
  readonly end: { readonly line: number; readonly column: number };
  readonly knownStages: readonly string[];
}

/** Stage count and contiguity: 1..4 stages numbered 0..n-1. */
function checkShape(raw: readonly RawStage[], ctx: StageContext): void {
  raw.forEach((stage, i) => {
    if (stage.index === i) return;
    const prefix = prefixOf(stage.first);
    throw fail(
      ctx.file,
      keyAt(stage.first),
      `stage indices must be contiguous from 0: found ${prefix}.${stage.index} but no ${prefix}.${i}`,
      'renumber the stages 0, 1, 2, ... in order',
    );
  });
  if (raw.length === 0) {
    throw fail(
      ctx.file,
      ctx.end,
      'single_ring has no stages',
      'add single_ring.stages.0.id=<id> (v1 needs 1 to 4 stages)',
    );
  }
  const over = raw[SEQUENCED_SLOTS_V1_GATING];
  if (over) {
    throw fail(
      ctx.file,
      keyAt(over.first),
      `single_ring has ${raw.length} stages; v1 allows at most ${SEQUENCED_SLOTS_V1_GATING} per ring (SEQUENCED_SLOTS_V1_GATING = ${SEQUENCED_SLOTS_V1_GATING})`,
      'merge stages, or split the pipeline into several specs',
    );
  }
}

/** The stage's id: present, well-formed and unique. */
function stageId(stage: RawStage, seen: Map<string, number>, file: string): string {
  const entry = stage.fields.get('id');
  const name = `${prefixOf(stage.first)}.${stage.index}.id`;
  if (!entry) {
    throw fail(
      file,
      keyAt(stage.first),
      `${name} is missing; every stage needs an id`,
      `add ${name}=<id>`,
    );
  }
  if (!STAGE_ID.test(entry.value)) {
    throw fail(
      file,
      valueAt(entry),
      `${printable(entry.origin)}: expected 1 to 64 characters from A-Z a-z 0-9 _ -, got "${printable(entry.value)}"`,
      'stage ids name stages.<id>.* in the adapter config: use letters, digits, "_" or "-"',
    );
  }
  if (RESERVED_SEGMENTS.has(entry.value)) {
    throw fail(
      file,
      valueAt(entry),
      `${printable(entry.origin)}: the stage id "${entry.value}" is a reserved name`,
      'rename the stage: __proto__, constructor and prototype cannot be a stage id',
    );
  }
  const before = seen.get(entry.value);
  if (before !== undefined) {
    throw fail(
      file,
      valueAt(entry),
      `duplicate stage id "${printable(entry.value)}": stages ${before} and ${stage.index}`,
      'give every stage a unique id',
    );
  }
  seen.set(entry.value, stage.index);
  return entry.value;
}

/** The stage key, checked against the built-ins and `knownStages`; absent means `identity`. */
function stageKey(stage: RawStage, ctx: StageContext): string {
  const entry = stage.fields.get('stage');
  if (!entry) return 'identity';
  const problem = checkStageKey(entry.value, entry.origin, ctx.knownStages);
  if (problem) throw fail(ctx.file, valueAt(entry), problem.detail, problem.hint);
  return entry.value;
}

/**
 * Validates and builds the stages of a SingleRing (v1 semantics): 1 to 4 stages numbered from 0,
 * unique ids, valid stage keys, and dependencies on earlier stages only.
 *
 * @throws SpecParseError at the offending key or value.
 */
export function collectStages(entries: readonly Entry[], ctx: StageContext): SpecStage[] {
  const raw = groupStages(entries, ctx.file);
  checkShape(raw, ctx);
  const seen = new Map<string, number>();
  const ids = raw.map((stage) => stageId(stage, seen, ctx.file));
  return raw.map((stage) => {
    const stageKeyValue = stageKey(stage, ctx);
    const dependsOn = checkDependencies(stage.index, stage.fields, stageKeyValue, ids, ctx.file);
    return { id: ids[stage.index] as string, stage: stageKeyValue, dependsOn };
  });
}
