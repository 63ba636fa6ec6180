import {
  createStageResolver,
  isStageRejection,
  type Stage,
  type StageMessage,
  type StageOutput,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';
import { expect } from 'vitest';
import { transformStages } from '../src/index.js';
import { readJson } from '../src/json-body.js';

const resolver = createStageResolver(transformStages);

/** Resolves `key` as stage 0 with id `s` and the given settings, as the loop does. */
export function stage(key: string, settings: Record<string, string> = {}, id = 's'): Stage {
  return resolver.resolve({ key, id, index: 0, settings });
}

/** A message with a UTF-8 body (and optional key / headers). */
export function msg(body: string, extra: Omit<StageMessage, 'body'> = {}): StageMessage {
  return { ...extra, body: new TextEncoder().encode(body) };
}

/** Runs `stage` over string bodies; returns its outputs. */
export async function run(
  s: Stage,
  bodies: readonly (string | StageMessage)[],
): Promise<StageOutput[]> {
  const messages = bodies.map((b) => (typeof b === 'string' ? msg(b) : b));
  const ctx = { id: 's', index: 0, signal: new AbortController().signal };
  const out = await s.process(messages, ctx);
  expect(out.length).toBe(messages.length);
  return [...out];
}

/** What one output is: the parsed JSON of a message, 'dropped', or the rejection's error. */
export function outcome(o: StageOutput): unknown {
  if (o === null) return 'dropped';
  if (isStageRejection(o)) return o.error;
  return readJson(o);
}

/** The JSON values of outputs that must all be messages. */
export async function values(
  s: Stage,
  bodies: readonly (string | StageMessage)[],
): Promise<unknown[]> {
  return (await run(s, bodies)).map((o) => {
    if (o === null || isStageRejection(o)) throw new Error(`not a message: ${String(outcome(o))}`);
    return JSON.parse(new TextDecoder().decode(o.body));
  });
}

/** The error of an output that must be a rejection. */
export function rejection(o: StageOutput | undefined): EdgeplaneError {
  if (o && isStageRejection(o)) return o.error;
  throw new Error(`not a rejection: ${JSON.stringify(o && outcome(o))}`);
}

/** The error thrown by `fn` (must be an EdgeplaneError). */
export function thrown(fn: () => unknown): EdgeplaneError {
  try {
    fn();
  } catch (error) {
    if (isEdgeplaneError(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

export { EdgeplaneError };
