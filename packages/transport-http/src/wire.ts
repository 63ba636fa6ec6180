import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The wire scheme shared by the ingress and the egress (documented in docs/transports/http.md):
 * - `X-Edgeplane-Key`: the message key, percent-encoded UTF-8 (`encodeURIComponent`).
 * - `X-Edgeplane-Headers`: the message headers as a JSON object of strings, percent-encoded.
 * - `<hmacHeader>: sha256=<hex>`: HMAC-SHA256 of the raw body with `hmacSecret`.
 */
export const KEY_HEADER = 'x-edgeplane-key';
export const HEADERS_HEADER = 'x-edgeplane-headers';
/**
 * On a `503` for an NDJSON request the receiver stopped in the middle of: how many of its first
 * lines were taken (acknowledged) all the same. A sender resends only the rest.
 */
export const TAKEN_HEADER = 'x-edgeplane-taken';

/** Percent-encodes a key or a JSON header map for a header value (ASCII only). */
export function encodeKey(key: string): string {
  return encodeURIComponent(key);
}

export function encodeHeaders(headers: Readonly<Record<string, string>>): string {
  return encodeURIComponent(JSON.stringify(headers));
}

/** Decodes `X-Edgeplane-Key`; undefined when it is not valid percent-encoded UTF-8. */
export function decodeKey(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Decodes `X-Edgeplane-Headers`; undefined when it is not a JSON object of strings. */
export function decodeHeaders(value: string): Record<string, string> | undefined {
  try {
    const parsed: unknown = JSON.parse(decodeURIComponent(value));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') return undefined;
      out[k] = v;
    }
    return out;
  } catch {
    return undefined;
  }
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export function signBody(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Compares in constant time (digests of both sides, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The lines of an NDJSON body: split at LF, a CR before the LF dropped; a last line without LF
 * counts; the empty rest after a final LF does not. Views into `body` (no copy).
 */
export function splitLines(body: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const lf = body.indexOf(LF, start);
    if (lf < 0) break;
    const end = lf > start && body[lf - 1] === CR ? lf - 1 : lf;
    lines.push(body.subarray(start, end));
    start = lf + 1;
  }
  if (start < body.length) {
    const end = body[body.length - 1] === CR ? body.length - 1 : body.length;
    lines.push(body.subarray(start, end));
  }
  return lines;
}

/** Whether a body can be one NDJSON line: no LF, and not ending with CR. */
export function isLine(body: Uint8Array): boolean {
  return body.indexOf(LF) < 0 && (body.length === 0 || body[body.length - 1] !== CR);
}

/**
 * The headers every egress request carries: `headers.*` (lower-cased names), Basic credentials
 * from the URL's `user:password@`, and `Authorization: Bearer <authToken>` (which wins).
 */
export function staticHeaders(
  options: {
    readonly headers?: Readonly<Record<string, string>> | undefined;
    readonly authToken?: string | undefined;
  },
  target: URL | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  if (target && (target.username || target.password))
    headers.authorization ??= `Basic ${Buffer.from(
      `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`,
    ).toString('base64')}`;
  if (options.authToken !== undefined) headers.authorization = `Bearer ${options.authToken}`;
  return headers;
}
