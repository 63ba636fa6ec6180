import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';
import type { SingleRing } from '../ring/single-ring.js';
import type { Stage, StageMessage } from '../stages.js';
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
function stageFailure(
  error: unknown,
  stage: Stage,
  ctx: Parameters<Stage['process']>[1],
): EdgeplaneError {
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

/** Applies a stage to a run of slots; dropped (null) slots are skipped. Returns drops added. */
async function applyStage(
  stage: Stage,
  input: readonly (StageMessage | null)[],
  ctx: Parameters<Stage['process']>[1],
): Promise<{ output: readonly (StageMessage | null)[]; dropped: number }> {
  let dense = true;
  for (const m of input)
    if (m === null) {
      dense = false;
      break;
    }
  const live = dense
    ? (input as readonly StageMessage[])
    : (input.filter((m) => m !== null) as StageMessage[]);
  let result: readonly (StageMessage | null)[];
  try {
    const produced = stage.process(live, ctx);
    result = isPromise<readonly (StageMessage | null)[]>(produced) ? await produced : produced;
  } catch (error) {
    throw stageFailure(error, stage, ctx);
  }
  if (result === live) return { output: input, dropped: 0 };
  if (result.length !== live.length) {
    throw new EdgeplaneError(
      'internal',
      'adapter-loop',
      `stage "${ctx.id}" (index ${ctx.index}, ${stage.key}) returned ${result.length} outputs for ${live.length} inputs; return one output (or null) per input`,
    );
  }
  let dropped = 0;
  for (const m of result) if (m === null) dropped++;
  if (dense) return { output: result, dropped };
  const output: (StageMessage | null)[] = new Array(input.length).fill(null);
  for (let i = 0, j = 0; i < input.length; i++)
    if (input[i] !== null) output[i] = result[j++] ?? null;
  return { output, dropped };
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
  onDrop: (n: number) => void,
): Promise<void> {
  const ctx = { id: ring.stageIds[index] ?? String(index), index, signal };
  for (;;) {
    if (flags.halted) return;
    const done = ring.gating[index] ?? -1;
    const barrier = ring.barrier(index);
    if (barrier > done) {
      const to = Math.min(barrier, done + CHUNK);
      const input = ring.read(done + 1, to);
      const { output, dropped } = await applyStage(stage, input, ctx);
      if (output !== input) ring.write(done + 1, output);
      if (dropped > 0) onDrop(dropped);
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
