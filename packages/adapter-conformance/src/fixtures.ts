import type { OutboundMessage, TransportCapabilities } from '@edgeplane/adapter-loop/transport';

/** 1 MiB: the large body of the round-trip case (capped by `maxBodyBytes` if declared). */
export const LARGE_BODY_BYTES: number = 1024 * 1024;

type Framing = TransportCapabilities['framing'];

const LF = 0x0a;
const CR = 0x0d;

/** UTF-8 text as bytes. */
export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** The empty body. */
export function emptyBody(): Uint8Array {
  return new Uint8Array(0);
}

/**
 * Bytes that are not valid UTF-8 (lone continuation, overlong, surrogate, 0xFE/0xFF, NUL) plus
 * every byte value. With `framing: 'line'` it contains no LF and does not end with CR; with
 * `'message'` it contains LF and CRLF and ends with CR, which a message transport must carry.
 */
export function binaryBody(framing: Framing): Uint8Array {
  const invalid = [0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xfe, 0xff, 0xc3, 0x28, 0x00, CR, 0xf8];
  const all = Array.from({ length: 256 }, (_, i) => i);
  const bytes = [...invalid, ...all, CR, LF, 0xff];
  if (framing === 'line') return Uint8Array.from(bytes.filter((b) => b !== LF));
  return Uint8Array.from([...bytes, CR]);
}

/** Deterministic pseudo-random bytes (xorshift), framed like `binaryBody`. */
export function largeBody(size: number, framing: Framing): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  if (framing === 'line') {
    for (let i = 0; i < size; i++) if (out[i] === LF) out[i] = 0x20;
    if (size > 0 && out[size - 1] === CR) out[size - 1] = 0x21;
  }
  return out;
}

/** `count` distinct ASCII bodies `<prefix>-000000`, `<prefix>-000001`, ... in order. */
export function numbered(count: number, prefix = 'm'): OutboundMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    body: text(`${prefix}-${String(i).padStart(6, '0')}`),
  }));
}

/** Keys that exercise unicode, spaces and punctuation. */
export const KEYS: readonly string[] = ['k-0', 'ключ-1', '🔑 key two', 'a/b:c=d', 'x'.repeat(200)];

/** Headers with unicode values (names stay ASCII: most wire protocols require it). */
export const UNICODE_HEADERS: Readonly<Record<string, string>> = {
  'x-plain': 'value',
  'x-unicode': 'ünïcødé 漢字 テスト 🚀',
  'x-empty': '',
  'x-spaces': '  leading and trailing  ',
};

/** The decoded text of a body, for assertions on ASCII fixtures. */
export function bodyText(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}

/**
 * Describes the first difference between two byte arrays, or `undefined` when they are equal.
 * Used instead of `toEqual` so a 1 MiB mismatch prints one line, not a megabyte of diff.
 */
export function diffBytes(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const n = Math.min(actual.byteLength, expected.byteLength);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      return `byte ${i} differs: got 0x${actual[i]?.toString(16)}, expected 0x${expected[i]?.toString(16)} (lengths ${actual.byteLength} / ${expected.byteLength})`;
    }
  }
  if (actual.byteLength !== expected.byteLength) {
    return `length differs: got ${actual.byteLength} bytes, expected ${expected.byteLength}`;
  }
  return undefined;
}
