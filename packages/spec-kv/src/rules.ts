/**
 * The v1 SingleRing rules without positions: shared by `parseSpec` (which adds the file, line
 * and column) and `verifyRingSpec` (which checks a spec built in code, e.g. by `createLoop`).
 *
 * @module
 */
import { MAX_CAPACITY, MIN_CAPACITY } from './types.js';

/** What is wrong and, when the rule has a generic fix, the one-line fix. */
export interface RuleProblem {
  readonly detail: string;
  readonly hint?: string | undefined;
}

/** Spec names: 1 to 64 characters from `A-Z a-z 0-9 _ . -`. */
export const SPEC_NAME: RegExp = /^[A-Za-z0-9_.-]{1,64}$/;
/** Stage ids: 1 to 64 characters from `A-Z a-z 0-9 _ -` (they name `stages.<id>.*`). */
export const STAGE_ID: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const INTEGER = /^(0|-?[1-9][0-9]{0,15})$/;

/**
 * A decimal integer without sign or leading zeros (`0`, `7`, `1024`), else undefined: the
 * spec's rule for every integer (`00`, `01`, `+1`, `-0`, ` 1`, `1e3`, `0x10` are refused).
 */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `parseDecimal` that also accepts a negative number written with `-` (`-7`, never `-0` or
 * `-07`): the same rule for settings whose range includes negatives. Undefined for anything
 * else, and for numbers outside the safe-integer range.
 */
export function parseInteger(text: string): number | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** True for an integer power of two in [MIN_CAPACITY, MAX_CAPACITY]. */
export function isValidCapacity(n: unknown): n is number {
  return (
    typeof n === 'number' &&
    Number.isInteger(n) &&
    n >= MIN_CAPACITY &&
    n <= MAX_CAPACITY &&
    (n & (n - 1)) === 0
  );
}

/**
 * One dependency of stage `index` (`self` names it in messages): it must be an integer index of
 * an earlier stage, listed once, in strictly increasing order. Earlier-only dependencies also
 * rule out cycles. Returns undefined when the dependency is valid.
 */
export function dependencyProblem(
  self: string,
  index: number,
  dep: number,
  previous: number | undefined,
  ids: readonly string[],
): RuleProblem | undefined {
  if (!Number.isInteger(dep) || dep < 0) {
    return { detail: `${self} depends on ${dep}; expected the index of an earlier stage` };
  }
  if (dep === index) {
    return {
      detail: `${self} depends on itself; a stage can only depend on earlier stages`,
      hint: `remove ${dep} from depends_on`,
    };
  }
  if (dep >= ids.length) {
    return {
      detail: `${self} depends on stage ${dep}, which does not exist (the spec has ${ids.length} stages)`,
      hint:
        index === 0
          ? 'stage 0 reads from ingress: leave its depends_on empty'
          : index === 1
            ? 'use index 0'
            : `use indices 0 to ${index - 1}`,
    };
  }
  if (dep > index) {
    return {
      detail: `${self} depends on stage ${dep}, which comes later; stages must be listed in topological order`,
      hint: `list stage ${dep} ("${ids[dep]}") before stage ${index}, and renumber`,
    };
  }
  if (previous === dep) {
    return { detail: `${self} lists stage ${dep} twice in depends_on; list each dependency once` };
  }
  if (previous !== undefined && dep < previous) {
    return {
      detail: `${self} depends_on must be strictly increasing, got ${previous} before ${dep}`,
    };
  }
  return undefined;
}

/**
 * The ring-level combination rules: `ordering=strict` needs one shard; `shard_key` only with
 * several shards and never empty. Returns the field at fault with the problem.
 */
export function ringSettingsProblem(ring: {
  readonly shards: number;
  readonly ordering: string;
  readonly shardKey?: string | undefined;
}): (RuleProblem & { readonly field: 'ordering' | 'shardKey' }) | undefined {
  if (ring.ordering === 'strict' && ring.shards > 1) {
    return {
      field: 'ordering',
      detail: `ordering strict requires shards=1, got shards=${ring.shards}`,
      hint: 'set ordering=per_key (with shard_key) for several shards, or use shards=1',
    };
  }
  if (ring.shardKey !== undefined && (ring.shards === 1 || ring.shardKey === '')) {
    return ring.shards === 1
      ? {
          field: 'shardKey',
          detail: 'shard_key is only used when shards > 1 (shards is 1)',
          hint: 'remove shard_key, or raise the shard count',
        }
      : { field: 'shardKey', detail: 'shard_key: expected a non-empty key name' };
  }
  return undefined;
}
