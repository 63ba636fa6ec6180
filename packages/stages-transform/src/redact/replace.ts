import { createHmac } from 'node:crypto';
import type { Replace } from './presets.js';

/** The default `stages.<id>.mask`. */
export const DEFAULT_MASK = '[REDACTED]';

/** Hex characters of an HMAC token: the first 128 bits of HMAC-SHA256. */
export const HMAC_TOKEN_CHARS = 32;

/** Shortest `stages.<id>.hmac_key` accepted, in bytes (UTF-8). */
export const MIN_HMAC_KEY_BYTES = 16;

/** Always the mask. */
export function maskReplace(mask: string): Replace {
  return () => mask;
}

/**
 * A keyed pseudonym: the first 32 hex characters of HMAC-SHA256(key, text). Equal inputs give
 * equal tokens (joins and counts still work), and without the key a token cannot be reversed
 * or recomputed from a guess.
 */
export function hmacReplace(key: Buffer): Replace {
  return (text) =>
    createHmac('sha256', key).update(text, 'utf8').digest('hex').slice(0, HMAC_TOKEN_CHARS);
}

/** True when a mask keeps a JSON text JSON: no `"`, `\` or control character. */
export function isJsonSafeMask(mask: string): boolean {
  for (const ch of mask) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\' || c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
