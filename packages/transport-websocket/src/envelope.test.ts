import { describe, expect, it } from 'vitest';
import { decodeControl, decodeData, encodeData, encodeMeta, FrameError } from './envelope.js';

describe('edgeplane.v1 frames', () => {
  it('round-trips seq, key, headers and body bytes', () => {
    const body = new Uint8Array([0, 255, 10, 13]);
    const frame = encodeData(2 ** 40, encodeMeta('k', { a: 'ü' }), body);
    expect(frame[0]).toBe(1);
    const d = decodeData(frame);
    expect(d).toMatchObject({ seq: 2 ** 40, key: 'k', headers: { a: 'ü' } });
    expect(Buffer.from(d.body)).toEqual(Buffer.from(body));
  });

  it('has no meta without key and headers', () => {
    expect(encodeMeta(undefined, {})).toBeUndefined();
    const frame = encodeData(1, undefined, new Uint8Array(0));
    expect(frame.byteLength).toBe(11);
    expect(decodeData(frame)).toMatchObject({ seq: 1, headers: {} });
  });

  it('refuses what is not a data frame, with the sequence when readable', () => {
    expect(() => decodeData(Buffer.from('hi'))).toThrow(FrameError);
    const bad = encodeData(7, encodeMeta('k', undefined), new Uint8Array(1));
    bad.writeUInt32BE(1000, 7);
    expect(() => decodeData(bad)).toThrow(expect.objectContaining({ seq: 7 }));
    const notJson = encodeData(8, new Uint8Array([123]), new Uint8Array(0));
    expect(() => decodeData(notJson)).toThrow('meta is not UTF-8 JSON');
    const badHeaders = encodeData(9, new TextEncoder().encode('{"h":{"a":1}}'), new Uint8Array(0));
    expect(() => decodeData(badHeaders)).toThrow('meta.h (the headers) must map names to strings');
  });

  it('parses control frames', () => {
    expect(decodeControl('{"ack":5}')).toEqual({ ack: 5 });
    expect(decodeControl('{"nack":3,"code":"too-large","reason":"r"}')).toEqual({
      nack: 3,
      code: 'too-large',
      reason: 'r',
    });
    expect(decodeControl('{"ack":"5"}')).toBeUndefined();
    expect(decodeControl('nope')).toBeUndefined();
  });
});
