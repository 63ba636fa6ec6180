import { AdapterLoop } from './adapter-loop.js';
import type { Loop, LoopOptions } from './options.js';

/**
 * Wires one ingress, the spec's SingleRing stages and one egress into a loop with at-least-once
 * delivery: an ingress position is acknowledged only after the egress has durably taken every
 * message up to it, in order.
 * @throws RangeError when `spec.capacity` is not a power of two ≥ 2.
 * @example
 * const loop = createLoop({ spec, ingress: { transport: src }, egress: { transport: dst }, maxMessages: 500 });
 * const result = await loop.run(); // { state: 'stopped', reason: 'max-messages', egressMessages: 500, ... }
 */
export function createLoop(options: LoopOptions): Loop {
  return new AdapterLoop(options);
}
