import type { StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';

/**
 * Bodies are bytes; parsing the same JSON again in every stage of a chain is the main cost of a
 * transform pipeline. A stage that produces JSON returns a `JsonMessage`: it carries the value for
 * the next stage (`readJson` returns it without parsing) and serialises `body` only when something
 * reads it — in practice the egress, once, at the end of the ring.
 *
 * `bodyLength` is not set on a lazy message: it must equal `body.byteLength`, which is not known
 * before serialising. The loop falls back to `body.byteLength` when it batches for the egress,
 * which is where the body is needed anyway, so the laziness still saves the serialisation of every
 * intermediate stage and of every message a later stage drops.
 *
 * @module
 */

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A message whose JSON value is known: `body` is the original bytes or serialised on demand. */
class JsonMessage implements StageMessage {
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly value: unknown;
  private bytes: Uint8Array | undefined;

  constructor(from: StageMessage, value: unknown, bytes: Uint8Array | undefined) {
    this.key = from.key;
    this.headers = from.headers;
    this.value = value;
    this.bytes = bytes;
  }

  get body(): Uint8Array {
    this.bytes ??= Buffer.from(JSON.stringify(this.value) ?? 'null', 'utf8');
    return this.bytes;
  }

  get bodyLength(): number | undefined {
    return this.bytes?.byteLength;
  }
}

/** Values parsed by `readJson` from plain messages (a filter keeps the message it was given). */
const parsed = new WeakMap<StageMessage, unknown>();

/**
 * The JSON value of a message's body: the value a `withJson` message carries (no parsing), else
 * `JSON.parse` of the UTF-8 body (remembered for that message object).
 * The value is shared with later stages: treat it as read-only and build a new value to change it.
 * @throws EdgeplaneError `invalid-input` (component `json-body`) when the body is not UTF-8 or not
 *   JSON; the message names the parser's position (`at position 12 (line 1 column 13)`).
 */
export function readJson(message: StageMessage): unknown {
  if (message instanceof JsonMessage) return message.value;
  const known = parsed.get(message);
  if (known !== undefined) return known;
  let text: string;
  try {
    text = decoder.decode(message.body);
  } catch (cause) {
    throw new EdgeplaneError('invalid-input', 'json-body', 'body is not UTF-8 text', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    let why = cause instanceof SyntaxError ? cause.message : String(cause);
    // V8 names the position of a bad token, but not the end of a cut-off input
    if (why.startsWith('Unexpected end')) why += ` at position ${text.length}`;
    throw new EdgeplaneError('invalid-input', 'json-body', `body is not JSON: ${why}`, {
      cause,
      details: { bytes: message.body.byteLength },
    });
  }
  parsed.set(message, value);
  return value;
}

/**
 * A new message with the key and headers of `message` and `value` as its body: `readJson` returns
 * `value` itself, and `body` is `JSON.stringify(value)` in UTF-8, serialised the first time it is
 * read. `value` must be JSON-serialisable (no bigint, no cycles) and is not copied: do not mutate
 * it afterwards.
 * @example
 * process: (ms) => ms.map((m) => withJson(m, { ...(readJson(m) as object), seen: true }))
 */
export function withJson(message: StageMessage, value: unknown): StageMessage {
  return new JsonMessage(message, value, undefined);
}

/** True when `message` carries its JSON value (made by `withJson`): `readJson` does not parse. */
export function carriesJson(message: StageMessage): boolean {
  return message instanceof JsonMessage;
}

/**
 * Like `withJson`, but the body stays `bytes` (the JSON text `value` was parsed from), so a
 * message that is only parsed keeps its exact bytes. Internal to the package.
 */
export function attachJson(message: StageMessage, value: unknown): StageMessage {
  return new JsonMessage(message, value, message.body);
}
