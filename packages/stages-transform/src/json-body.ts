import type { StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';

// NOTE (stages2 branch): a minimal stand-in with the agreed API; the `stages` branch owns the
// real file (carried values, faster paths) and replaces this one at merge.

const carried = new WeakMap<StageMessage, unknown>();

/**
 * The message's body as JSON: the value a previous stage carried (`withJson`), else the bytes
 * parsed as UTF-8 JSON.
 * @throws EdgeplaneError `invalid-input` when the body is not JSON.
 */
export function readJson(message: StageMessage): unknown {
  if (carried.has(message)) return carried.get(message);
  try {
    return JSON.parse(Buffer.from(message.body).toString('utf8'));
  } catch (error) {
    throw new EdgeplaneError('invalid-input', 'stages-transform', 'the body is not JSON', {
      cause: error,
      hint: 'put a parse:<format> stage before this one',
    });
  }
}

/** A new message with `value` as its JSON body (key and headers kept), carrying the value. */
export function withJson(message: StageMessage, value: unknown): StageMessage {
  const body = Buffer.from(JSON.stringify(value) ?? 'null');
  const next: StageMessage = { ...message, body, bodyLength: body.byteLength };
  carried.set(next, value);
  return next;
}
