import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';
import type { SingleRing } from '../ring/single-ring.js';
import { isLive, RejectedSlot, type Slot } from '../ring/slot.js';
import {
  isStageRejection,
  type Stage,
  type StageContext,
  type StageMessage,
  type StageOutput,
} from '../stages.js';
import type { EgressBatcher } from './egress.js';

/** Largest run of slots a stage or the release step takes at once. */
export const CHUNK = 4096;

/** Shared run flags the ring tasks read. */
export interface RunFlags {
  producerDone: boolean;
  halted: boolean;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * What a throwing stage reports: its own EdgeplaneError code (an `http_post:` stage's
 * `unavailable`), or `internal` for anything else (a bug), always naming the stage id, index
 * and key; the original error is the `cause`.
 */
function stageFailure(error: unknown, stage: Stage, ctx: StageContext): EdgeplaneError {
  const own = isEdgeplaneError(error) ? error : undefined;
  const what = own
    ? own.message
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
  return new EdgeplaneError(
    own?.code ?? 'internal',
    'adapter-loop',
    `stage "${ctx.id}" (index ${ctx.index}, ${stage.key}) ${own ? 'failed' : 'threw'}: ${what}`,
    {
      cause: error,
      details: { stage: ctx.id, index: ctx.index, key: stage.key },
      hint:
        own?.hint ??
        'a stage that throws is a bug in the stage: fix it, or return null to drop a message',
    },
  );
}

/** Per-stage counts for the snapshot, indexed like the spec's stages, in messages. */
export interface StageCounts {
  /** Dropped by the stage (`null`: filtered), counted as done. */
  readonly filtered: number[];
  /** Refused by the stage (`rejectMessage`). */
  readonly rejected: number[];
}

/** The error of a message a stage refused: names the stage; the stage's error is the cause. */
function rejectionError(error: EdgeplaneError, stage: Stage, ctx: StageContext): EdgeplaneError {
  return new EdgeplaneError(
    error.code,
    'adapter-loop',
    `stage "${ctx.id}" (index ${ctx.index}, ${stage.key}) refused a message: ${error.message}`,
    {
      cause: error,
      details: { ...error.details, stage: ctx.id, index: ctx.index, key: stage.key },
      hint:
        error.hint ??
        'fix the message at its source, or route refusals with loop.failurePolicy=dead_letter',
    },
  );
}

/**
 * Applies a stage to a run of slots; dropped and refused slots are skipped (not given to the
 * stage). Returns the new slots and the drops (`null`) and refusals this stage added.
 */
async function applyStage(
  stage: Stage,
  input: readonly Slot[],
  ctx: StageContext,
): Promise<{ output: readonly Slot[]; dropped: number; rejected: number }> {
  let dense = true;
  for (const m of input)
    if (!isLive(m)) {
      dense = false;
      break;
    }
  const live = dense ? (input as readonly StageMessage[]) : input.filter(isLive);
  let result: readonly StageOutput[];
  try {
    const produced = stage.process(live, ctx);
    result = isPromise<readonly StageOutput[]>(produced) ? await produced : produced;
  } catch (error) {
    throw stageFailure(error, stage, ctx);
  }
  if (result === live) return { output: input, dropped: 0, rejected: 0 };
  if (result.length !== live.length) {
    throw new EdgeplaneError(
      'internal',
      'adapter-loop',
      `stage "${ctx.id}" (index ${ctx.index}, ${stage.key}) returned ${result.length} outputs for ${live.length} inputs; return one output (or null) per input`,
    );
  }
  let dropped = 0;
  let rejected = 0;
  const slots: Slot[] = new Array(result.length);
  for (let j = 0; j < result.length; j++) {
    const out = result[j] ?? null;
    if (out === null) {
      dropped++;
      slots[j] = null;
    } else if (isStageRejection(out)) {
      rejected++;
      const ref = { id: ctx.id, index: ctx.index, key: stage.key };
      slots[j] = new RejectedSlot(
        live[j] as StageMessage,
        rejectionError(out.error, stage, ctx),
        ref,
      );
    } else slots[j] = out;
  }
  if (dense) return { output: slots, dropped, rejected };
  const output: Slot[] = input.slice();
  for (let i = 0, j = 0; i < input.length; i++)
    if (isLive(input[i] ?? null)) output[i] = slots[j++] ?? null;
  return { output, dropped, rejected };
}

/**
 * One stage's task: waits on its barrier (its dependencies' gating sequences, or the producer
 * cursor), processes the newly available slots, advances its gating sequence.
 */
export async function runStage(
  ring: SingleRing,
  index: number,
  stage: Stage,
  flags: RunFlags,
  signal: AbortSignal,
  counts: StageCounts,
): Promise<void> {
  const ctx = { id: ring.stageIds[index] ?? String(index), index, signal };
  for (;;) {
    if (flags.halted) return;
    const done = ring.gating[index] ?? -1;
    const barrier = ring.barrier(index);
    if (barrier > done) {
      const to = Math.min(barrier, done + CHUNK);
      const input = ring.read(done + 1, to);
      const { output, dropped, rejected } = await applyStage(stage, input, ctx);
      if (output !== input) ring.write(done + 1, output);
      if (dropped > 0) counts.filtered[index] = (counts.filtered[index] ?? 0) + dropped;
      if (rejected > 0) counts.rejected[index] = (counts.rejected[index] ?? 0) + rejected;
      ring.gating[index] = to;
      ring.notifier.fire();
      continue;
    }
    if (flags.producerDone && done >= ring.cursor) return;
    await ring.notifier.wait();
  }
}

/** The release task: hands slots every stage has passed to the egress batcher, in order. */
export async function runRelease(
  ring: SingleRing,
  egress: EgressBatcher,
  flags: RunFlags,
): Promise<void> {
  for (;;) {
    if (flags.halted) return;
    const releasable = ring.releasable();
    if (releasable > ring.released && egress.canAccept()) {
      const from = ring.released + 1;
      const to = Math.min(releasable, from + CHUNK - 1);
      egress.add(ring.take(from, to), from);
      continue;
    }
    if (flags.producerDone && ring.released >= ring.cursor) {
      egress.finish();
      return;
    }
    await ring.notifier.wait();
  }
}
