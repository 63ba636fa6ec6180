import {
  isStageRejection,
  type Stage,
  type StageFactoryContext,
  type StageMessage,
  type StageOutput,
} from '@edgeplane/adapter-loop';
import { type EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';

/** A factory context for stage `key` with id `s1` at index 1. */
export const context = (
  key: string,
  settings: Record<string, string> = {},
  id = 's1',
): StageFactoryContext => ({ key, id, index: 1, settings });

/** A message with a UTF-8 body. */
export const msg = (
  body: string | Uint8Array,
  key?: string,
  headers?: Record<string, string>,
): StageMessage => ({
  body: typeof body === 'string' ? Buffer.from(body) : body,
  ...(key === undefined ? {} : { key }),
  ...(headers ? { headers } : {}),
});

/** Runs `process` once with a live signal. */
export async function run(
  stage: Stage,
  messages: readonly StageMessage[],
  signal: AbortSignal = new AbortController().signal,
): Promise<readonly StageOutput[]> {
  return stage.process(messages, { id: 's1', index: 1, signal });
}

/** The body of an output as text; `null` for a drop, `rejected: <message>` for a refusal. */
export function text(out: StageOutput | undefined): string | null {
  if (out === null || out === undefined) return null;
  if (isStageRejection(out)) return `rejected: ${out.error.message}`;
  return Buffer.from(out.body).toString('utf8');
}

/** The error thrown by `fn` (fails the test when it does not throw an EdgeplaneError). */
export function thrown(fn: () => unknown): EdgeplaneError {
  try {
    fn();
  } catch (error) {
    if (isEdgeplaneError(error)) return error;
    throw error;
  }
  throw new Error('expected an EdgeplaneError, nothing was thrown');
}
