import { isUtf8 } from 'node:buffer';
import { isSecretKey, REDACTED, redactText } from '../redact.js';

/** Directory of the capture inside the lane path (and inside an incident bundle). */
export const CAPTURE_DIR = 'capture';

/** Files of a capture: its summary, the ingress messages and what the egress took for each. */
export const CAPTURE_FILES: {
  readonly meta: 'capture.json';
  readonly ingress: 'ingress.ndjson';
  readonly egress: 'egress.ndjson';
} = { meta: 'capture.json', ingress: 'ingress.ndjson', egress: 'egress.ndjson' };

/**
 * A body as written: `body` (UTF-8 text) when the bytes are valid UTF-8, else `body_base64`.
 * `redacted`: a known secret value (or a URL password) was replaced by `[redacted]` in it.
 */
export interface CapturedBody {
  readonly body?: string | undefined;
  readonly body_base64?: string | undefined;
  readonly redacted?: true | undefined;
}

/** One line of `ingress.ndjson`: a message as the ingress handed it to the ring, at ring `seq`. */
export interface CapturedIngress extends CapturedBody {
  readonly seq: number;
  readonly id: string;
  readonly origin?: string | undefined;
  readonly position?: string | undefined;
  readonly key?: string | undefined;
  /** Headers; a secret-named header's value is `[redacted]`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * One line of `egress.ndjson`: the outcome of the ingress message at `seq`, once settled.
 * `sent`: what the egress durably took (after the stages); `dropped`: a stage filtered it;
 * `rejected`: a stage or the egress refused it (`error`); when the egress did (`refused_by:
 * 'egress'`), the line also holds what the egress was given. A message whose outcome is not
 * settled (the run ended first) has no line.
 */
export interface CapturedEgress extends CapturedBody {
  readonly seq: number;
  readonly status: 'sent' | 'dropped' | 'rejected';
  readonly key?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly error?: string | undefined;
  /** `egress`: the egress refused it (key, headers and body are what it was given). */
  readonly refused_by?: 'egress' | undefined;
}

/** `capture.json`: what was kept, under which limits, from which spec. Counts in messages. */
export interface CaptureMeta {
  readonly v: 1;
  readonly written_at: string;
  readonly pid: number;
  readonly spec_name: string;
  readonly spec_hash: string | null;
  /** `loop.captureMessages` and `loop.captureMaxBytes` of the run. */
  readonly limit_messages: number;
  readonly limit_bytes: number;
  /** Messages kept, and their bytes (bodies, keys, headers; ingress and egress). */
  readonly kept: number;
  readonly bytes: number;
  /** Older messages let go to stay within the limits. */
  readonly evicted: number;
  /** Kept messages with an outcome in `egress.ndjson`; the rest were not settled when written. */
  readonly settled: number;
}

/**
 * `redactText`, skipped when it cannot change anything (no `://`, no secret value in the text):
 * the capture writes up to 100000 messages at each snapshot.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  if (!text.includes('://') && !secrets.some((s) => s.length >= 4 && text.includes(s))) return text;
  return redactText(text, secrets);
}

/** Encodes a body for a capture file, redacting known secret values (`secrets`). */
export function encodeBody(body: Uint8Array, secrets: readonly string[]): CapturedBody {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (isUtf8(buffer)) {
    const text = buffer.toString('utf8');
    const redacted = scrub(text, secrets);
    return redacted === text ? { body: text } : { body: redacted, redacted: true };
  }
  const redacted = redactBytes(buffer, secrets);
  return redacted === buffer
    ? { body_base64: buffer.toString('base64') }
    : { body_base64: redacted.toString('base64'), redacted: true };
}

/** The bytes of a captured body. */
export function decodeBody(record: CapturedBody): Uint8Array {
  if (record.body_base64 !== undefined) return Buffer.from(record.body_base64, 'base64');
  return Buffer.from(record.body ?? '', 'utf8');
}

/** Headers for a capture file: secret-named headers `[redacted]`, secret values scrubbed. */
export function redactHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  secrets: readonly string[],
): Record<string, string> | undefined {
  if (!headers) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = isSecretKey(name) ? REDACTED : scrub(value, secrets);
  return out;
}

/** `buffer` with every secret value's UTF-8 bytes (≥ 4 bytes) replaced; the same object if none. */
function redactBytes(buffer: Buffer, secrets: readonly string[]): Buffer {
  let out = buffer;
  for (const secret of secrets) {
    const needle = Buffer.from(secret, 'utf8');
    if (needle.length < 4 || out.indexOf(needle) < 0) continue;
    const parts: Buffer[] = [];
    let at = 0;
    for (let hit = out.indexOf(needle); hit >= 0; hit = out.indexOf(needle, at)) {
      parts.push(out.subarray(at, hit), Buffer.from(REDACTED));
      at = hit + needle.length;
    }
    parts.push(out.subarray(at));
    out = Buffer.concat(parts);
  }
  return out;
}
