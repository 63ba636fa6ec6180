import { EdgeplaneError } from '@edgeplane/errors';
import {
  dependencyProblem,
  isValidCapacity,
  ringSettingsProblem,
  SPEC_NAME,
  STAGE_ID,
} from './rules.js';
import { MAX_CAPACITY, MIN_CAPACITY, SEQUENCED_SLOTS_V1_GATING } from './types.js';

/**
 * A SingleRing spec built in code: what `verifyRingSpec` checks. A `SingleRingSpec` from
 * `parseSpec` satisfies it; the ring settings are optional (defaults: 1 shard, strict ordering).
 */
export interface RingSpecInput {
  /** 1 to 64 characters from `A-Z a-z 0-9 _ . -`. */
  readonly name: string;
  /** Ring slots, a power of two from 2 to 1048576. */
  readonly capacity: number;
  /** 1 to 4 stages; ids unique; `dependsOn` lists earlier stage indices, increasing. */
  readonly stages: readonly {
    readonly id: string;
    readonly stage: string;
    readonly dependsOn: readonly number[];
  }[];
  /** Shards (default 1). `createLoop` runs one shard and refuses more. */
  readonly shards?: number | undefined;
  /** `strict` (default) or `per_key`; with one shard both hold. */
  readonly ordering?: 'strict' | 'per_key' | undefined;
  /** Only with several shards, so never accepted by the loop. */
  readonly shardKey?: string | undefined;
  readonly producer?: 'single' | undefined;
  readonly scheduling?: 'dedicated' | undefined;
}

/** One broken rule: the field path (`stages[1].dependsOn`), what is wrong and the fix. */
export interface RingSpecProblem {
  readonly field: string;
  readonly detail: string;
  readonly hint: string;
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

function stageProblems(spec: RingSpecInput): RingSpecProblem | undefined {
  const stages = Array.isArray(spec.stages) ? spec.stages : undefined;
  if (!stages || stages.length === 0)
    return {
      field: 'stages',
      detail: 'expected 1 to 4 stages, got none',
      hint: 'add a stage, e.g. { id: "forward", stage: "identity", dependsOn: [] }',
    };
  if (stages.length > SEQUENCED_SLOTS_V1_GATING)
    return {
      field: 'stages',
      detail: `${stages.length} stages; v1 allows at most ${SEQUENCED_SLOTS_V1_GATING} per ring (SEQUENCED_SLOTS_V1_GATING)`,
      hint: 'merge stages, or split the pipeline into several loops',
    };
  const ids = stages.map((s) => s?.id);
  for (const [i, s] of stages.entries()) {
    const at = `stages[${i}]`;
    if (typeof s?.id !== 'string' || !STAGE_ID.test(s.id))
      return {
        field: `${at}.id`,
        detail: `expected 1 to 64 characters from A-Z a-z 0-9 _ -, got ${show(s?.id)}`,
        hint: 'stage ids name stages.<id>.* settings: use letters, digits, "_" or "-"',
      };
    const first = ids.indexOf(s.id);
    if (first !== i)
      return {
        field: `${at}.id`,
        detail: `duplicate stage id "${s.id}": stages ${first} and ${i}`,
        hint: 'give every stage a unique id',
      };
    if (typeof s.stage !== 'string' || s.stage === '')
      return {
        field: `${at}.stage`,
        detail: `expected a stage key, got ${show(s.stage)}`,
        hint: 'write "identity" or a key registered with createStageResolver()',
      };
    if (!Array.isArray(s.dependsOn))
      return {
        field: `${at}.dependsOn`,
        detail: `expected an array of earlier stage indices, got ${show(s.dependsOn)}`,
        hint: 'write dependsOn: [] to read from the ring head',
      };
    let previous: number | undefined;
    for (const dep of s.dependsOn) {
      const p = dependencyProblem(`stage ${i} ("${s.id}")`, i, dep, previous, ids as string[]);
      if (p)
        return {
          field: `${at}.dependsOn`,
          detail: p.detail,
          hint: p.hint ?? `list earlier stages once each, in increasing order`,
        };
      previous = dep;
    }
  }
  return undefined;
}

function ringProblems(spec: RingSpecInput): RingSpecProblem | undefined {
  if (typeof spec.name !== 'string' || !SPEC_NAME.test(spec.name))
    return {
      field: 'name',
      detail: `expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got ${show(spec.name)}`,
      hint: 'name the spec, e.g. "orders-v1"',
    };
  if (!isValidCapacity(spec.capacity))
    return {
      field: 'capacity',
      detail: `expected a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got ${show(spec.capacity)}`,
      hint: 'use 1024 (the default) or another power of two such as 4096',
    };
  const shards = spec.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1)
    return {
      field: 'shards',
      detail: `expected an integer ≥ 1, got ${show(spec.shards)}`,
      hint: 'use shards: 1',
    };
  const ordering = spec.ordering ?? 'strict';
  if (ordering !== 'strict' && ordering !== 'per_key')
    return {
      field: 'ordering',
      detail: `expected "strict" or "per_key", got ${show(ordering)}`,
      hint: 'use ordering: "strict"',
    };
  if (spec.producer !== undefined && spec.producer !== 'single')
    return {
      field: 'producer',
      detail: `${show(spec.producer)} is not supported in v1: SingleRing has a single producer`,
      hint: 'use producer: "single" (the default)',
    };
  if (spec.scheduling !== undefined && spec.scheduling !== 'dedicated')
    return {
      field: 'scheduling',
      detail: `${show(spec.scheduling)} is not supported in v1: SingleRing runs every stage on its own dedicated task`,
      hint: 'use scheduling: "dedicated" (the default)',
    };
  const combo = ringSettingsProblem({ shards, ordering, shardKey: spec.shardKey });
  if (combo) return { ...combo, hint: combo.hint ?? 'write a non-empty shard_key' };
  return undefined;
}

/**
 * Every problem of a SingleRing spec built in code, by the same v1 rules `parseSpec` applies to
 * a file: name, power-of-two capacity, ring settings, 1 to 4 stages with unique well-formed ids,
 * non-empty stage keys, and dependencies on earlier stages only (which also rules out cycles).
 * Returns the first problem, or undefined when the spec is valid.
 */
export function ringSpecProblem(spec: RingSpecInput): RingSpecProblem | undefined {
  if (typeof spec !== 'object' || spec === null)
    return {
      field: '',
      detail: `expected a spec object, got ${show(spec)}`,
      hint: 'pass { name, capacity, stages }',
    };
  return ringProblems(spec) ?? stageProblems(spec);
}

/**
 * Checks a SingleRing spec built in code (see `ringSpecProblem`).
 * @param options.component the error's component (default `spec-kv`); `label` prefixes the field
 *   in the message (default `spec`, giving e.g. `spec.stages[1].dependsOn: ...`).
 * @throws EdgeplaneError `invalid-config` naming the field, with the fix as `hint` and
 *   `details.field`.
 */
export function verifyRingSpec(
  spec: RingSpecInput,
  options: { readonly component?: string; readonly label?: string } = {},
): void {
  const problem = ringSpecProblem(spec);
  if (!problem) return;
  const label = options.label ?? 'spec';
  const where = problem.field ? `${label}.${problem.field}` : label;
  throw new EdgeplaneError(
    'invalid-config',
    options.component ?? 'spec-kv',
    `${where}: ${problem.detail}`,
    {
      hint: problem.hint,
      details: { field: where },
    },
  );
}
