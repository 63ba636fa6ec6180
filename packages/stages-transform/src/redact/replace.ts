import { createHmac, createSecretKey } from 'node:crypto';
import { LRUCache } from 'lru-cache';
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

/** Tokens an HMAC replacement remembers (values up to 256 characters), least recent out first. */
export const HMAC_CACHE_ENTRIES = 10_000;

/**
 * A keyed pseudonym: the first 32 hex characters of HMAC-SHA256(key, text). Equal inputs give
 * equal tokens (joins and counts still work), and without the key a token cannot be reversed
 * or recomputed from a guess. Logs repeat their addresses: the tokens of the last 10 000 values
 * are remembered (an HMAC costs microseconds; a lookup, nanoseconds).
 */
export function hmacReplace(key: Buffer): Replace {
  const cache = new LRUCache<string, string>({ max: HMAC_CACHE_ENTRIES });
  // A KeyObject made once: `createHmac` with raw key bytes imports them on every call (~5x slower).
  const secret = createSecretKey(key);
  return (text) => {
    const known = cache.get(text);
    if (known !== undefined) return known;
    const token = createHmac('sha256', secret)
      .update(text, 'utf8')
      .digest('hex')
      .slice(0, HMAC_TOKEN_CHARS);
    if (text.length <= 256) cache.set(text, token);
    return token;
  };
}

/** True when a mask keeps a JSON text JSON: no `"`, `\` or control character. */
export function isJsonSafeMask(mask: string): boolean {
  for (const ch of mask) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\' || c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
