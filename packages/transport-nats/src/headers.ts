import { createHash } from 'node:crypto';
import { type MsgHdrs, headers as natsHeaders } from 'nats';

/** The header JetStream deduplicates on. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ENCODED = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/;

/**
 * NATS header values are trimmed by the client and cannot hold CR or LF. A value that would not
 * survive (leading or trailing whitespace, CR/LF, or one that looks encoded) travels as an RFC
 * 2047 encoded word, `=?UTF-8?B?<base64>?=`, and is decoded on receipt; every other value is sent
 * as is, so other NATS clients read it unchanged.
 */
export function encodeValue(value: string): string {
  if (value === value.trim() && !/[\r\n]/.test(value) && !value.startsWith('=?')) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The inverse of `encodeValue`. */
export function decodeValue(value: string): string {
  const m = ENCODED.exec(value);
  return m ? Buffer.from(m[1] ?? '', 'base64').toString('utf8') : value;
}

/** Why a header name cannot be sent, or undefined. */
export function badHeaderName(name: string): string | undefined {
  return HEADER_NAME.test(name) ? undefined : 'is not a valid header name (token characters only)';
}

/**
 * NATS headers for a message: its own headers, its key in `keyHeader`, and the dedup id.
 * Returns undefined when there is nothing to send (no header block on the wire).
 */
export function toNatsHeaders(
  own: Readonly<Record<string, string>> | undefined,
  key: string | undefined,
  keyHeader: string,
  msgId: string | undefined,
): MsgHdrs | undefined {
  let h: MsgHdrs | undefined;
  if (own) {
    for (const name in own) {
      h ??= natsHeaders();
      h.set(name, encodeValue(own[name] as string));
    }
  }
  if (key !== undefined) {
    h ??= natsHeaders();
    h.set(keyHeader, encodeValue(key));
  }
  if (msgId !== undefined) {
    h ??= natsHeaders();
    h.set(MSG_ID_HEADER, msgId);
  }
  return h;
}

/** Headers and key of a received message; `keyHeader` and `Nats-Msg-Id` are removed. */
export function fromNatsHeaders(
  h: MsgHdrs | undefined,
  keyHeader: string,
): { headers: Record<string, string>; key: string | undefined } {
  const headers: Record<string, string> = {};
  let key: string | undefined;
  if (!h) return { headers, key };
  for (const name of h.keys()) {
    const value = decodeValue(h.get(name));
    if (name === keyHeader) key = value;
    else if (name !== MSG_ID_HEADER) headers[name] = value;
  }
  return { headers, key };
}

/** A content id for a message without an inbound id: SHA-256 of key, headers and body. */
export function contentId(
  key: string | undefined,
  own: Readonly<Record<string, string>> | undefined,
  body: Uint8Array,
): string {
  const hash = createHash('sha256');
  hash.update(key === undefined ? '\u0000' : `k${key}\u0000`);
  if (own) {
    for (const name of Object.keys(own).sort()) hash.update(`${name}\u0000${own[name]}\u0000`);
  }
  hash.update('\u0001');
  hash.update(body);
  return `sha256:${hash.digest('base64url')}`;
}
