import canonicalize from 'canonicalize';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Strict base64url decoding (RFC 4648 section 5, no padding): returns null for any other
 * alphabet, padding, impossible length or non-canonical trailing bits.
 */
export function decodeBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** True when `text` has the shape of a credential: two base64url parts joined by one `.`. */
export function looksLikeCredential(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}

/**
 * The RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value: what an approval signature covers.
 * Delegates to the `canonicalize` package.
 */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return Buffer.from(text, 'utf8');
}
