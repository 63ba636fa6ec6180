import { AdapterLoop } from './adapter-loop.js';
import type { Loop, LoopOptions } from './options.js';
import { validateLoopOptions } from './validate.js';

/**
 * Wires one ingress, the spec's SingleRing stages and one egress into a loop with at-least-once
 * delivery: an ingress position is acknowledged only after the egress has durably taken every
 * message up to it, in order.
 *
 * Everything that can be checked from the options is checked here, at once: the spec by the
 * `spec-kv` v1 rules (dependencies on earlier stages only, unique ids, 1 to 4 stages, a
 * power-of-two capacity, one shard), every stage key against `stages`, and every number
 * (`maxMessages` an integer ≥ 0, batch/retry/timing ranges). Failures after this returns are
 * reported by `run()`, which resolves with `state: 'failed'` and `error` (it never rejects,
 * except when called twice).
 * @throws EdgeplaneError `invalid-config` naming the option (`spec.stages[1].dependsOn`, ...) with
 *   the fix in `hint`.
 * @example
 * const loop = createLoop({ spec, ingress: { transport: src }, egress: { transport: dst }, maxMessages: 500 });
 * const result = await loop.run(); // { state: 'stopped', reason: 'max-messages', egressMessages: 500, ... }
 * if (result.state === 'failed') console.error(result.error?.code, result.error?.message);
 */
export function createLoop(options: LoopOptions): Loop {
  validateLoopOptions(options);
  return new AdapterLoop(options);
}
