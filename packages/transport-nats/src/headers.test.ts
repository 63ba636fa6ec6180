import { type MsgHdrs, headers as natsHeaders } from 'nats';
import { describe, expect, it } from 'vitest';
import { contentId, decodeValue, encodeValue, fromNatsHeaders, toNatsHeaders } from './headers.js';

describe('headers', () => {
  it('sends plain values as they are and encodes what NATS would trim or refuse', () => {
    expect(encodeValue('plain value')).toBe('plain value');
    expect(encodeValue('ünïcødé 漢字')).toBe('ünïcødé 漢字');
    for (const v of ['  spaces  ', 'a\r\nb', '', ' ', '=?UTF-8?B?eA==?=', '=?not encoded']) {
      const encoded = encodeValue(v);
      expect(decodeValue(encoded), JSON.stringify(v)).toBe(v);
    }
    expect(encodeValue('')).toBe('');
  });

  it('round-trips headers and the key through the NATS header block', () => {
    const own = { 'x-a': 'one', 'x-spaces': '  two  ', 'x-empty': '' };
    const h = toNatsHeaders(own, ' key ', 'Edgeplane-Key', 'id-1');
    // What the receiver parses: the wire form of the header block.
    const impl = natsHeaders() as unknown as {
      constructor: { decode(bytes: Uint8Array): MsgHdrs };
    };
    const wire = (h as unknown as { encode(): Uint8Array }).encode();
    const decoded = fromNatsHeaders(impl.constructor.decode(wire), 'Edgeplane-Key');
    expect(decoded).toEqual({ headers: own, key: ' key ' });
    expect(toNatsHeaders(undefined, undefined, 'k', undefined)).toBeUndefined();
  });

  it('content ids differ by key, headers and body, and are stable', () => {
    const body = new TextEncoder().encode('b');
    const a = contentId(undefined, undefined, body);
    expect(contentId(undefined, undefined, body)).toBe(a);
    expect(contentId('k', undefined, body)).not.toBe(a);
    expect(contentId(undefined, { h: 'v' }, body)).not.toBe(a);
    expect(contentId(undefined, undefined, new Uint8Array(0))).not.toBe(a);
  });
});
