import type { EdgeplaneError } from '@edgeplane/errors';
import type { StageMessage } from '../stages.js';

/** Where a stage refused a message: its id and index in the spec and its key. */
export interface StageRef {
  readonly id: string;
  readonly index: number;
  readonly key: string;
}

/**
 * A ring slot a stage refused (`rejectMessage`): the message as that stage received it, the
 * error (naming the stage) and the stage. Later stages skip it, as they skip a dropped slot;
 * the sender applies the failure policy to it in ring order.
 */
export class RejectedSlot {
  constructor(
    readonly message: StageMessage,
    readonly error: EdgeplaneError,
    readonly stage: StageRef,
  ) {}
}

/** One ring slot: a message, a refused message, or `null` (dropped by a stage, or empty). */
export type Slot = StageMessage | RejectedSlot | null;

/** True for a slot that holds a message a later stage or the egress should see. */
export function isLive(slot: Slot): slot is StageMessage {
  return slot !== null && !(slot instanceof RejectedSlot);
}
