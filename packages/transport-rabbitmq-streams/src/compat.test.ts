import { describe, expect, it } from 'vitest';
import { isBeforeRabbitmq311, peekResponseCode } from './compat.js';

describe('compat helpers', () => {
  it.each([
    ['3.10.8', true],
    ['3.9.0', true],
    ['2.8', true],
    ['3.11.0', false],
    ['3.13.7', false],
    ['4.0.5', false],
    [undefined, true],
  ])('isBeforeRabbitmq311(%s) = %s', (version, expected) => {
    expect(isBeforeRabbitmq311(version)).toBe(expected);
  });

  it('peeks the response code of an error response or a server Close', () => {
    const frame = (key: number, code: number) => {
      const b = Buffer.alloc(14);
      b.writeUInt32BE(10, 0);
      b.writeUInt16BE(key, 4);
      b.writeUInt16BE(1, 6);
      b.writeUInt32BE(7, 8);
      b.writeUInt16BE(code, 12);
      return b;
    };
    expect(peekResponseCode(frame(0x8015, 0x0c))).toBe(12);
    expect(peekResponseCode(frame(0x8015, 1))).toBeUndefined();
    expect(peekResponseCode(frame(0x0016, 0x0d))).toBe(13);
    expect(peekResponseCode(frame(0x0008, 5))).toBeUndefined();
    expect(peekResponseCode(Buffer.alloc(3))).toBeUndefined();
  });
});
