import { describe, expect, it } from 'vitest';
import { previousId } from './acks.js';
import { FieldMapping, type RawEntry } from './fields.js';
import { redisStreamsTransport } from './transport.js';

const b = (s: string) => Buffer.from(s);
const mapping = (extra: Record<string, unknown> = {}) =>
  new FieldMapping(redisStreamsTransport.parseOptions({ stream: 's', ...extra }));

describe('field mapping', () => {
  it('writes body, key and h:<name> per header, after MAXLEN ~ n when set', () => {
    const args = mapping({ maxLen: 10 }).xaddArgs('s', {
      key: 'k1',
      headers: { a: '1', ü: 'ß' },
      body: new Uint8Array([0, 255]),
    });
    expect(args.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : a))).toEqual([
      's',
      'MAXLEN',
      '~',
      10,
      '*',
      'body',
      '\u0000\u00ff',
      'key',
      'k1',
      'h:a',
      '1',
      'h:ü',
      'ß',
    ]);
    expect(mapping().xaddArgs('s', { body: new Uint8Array() })).toHaveLength(4);
  });

  it('reads them back; foreign fields become headers under their own name', () => {
    const m = mapping().decode([
      b('5-1'),
      [b('body'), b('x'), b('key'), b('k'), b('h:a'), b('1'), b('level'), b('info')],
    ]);
    expect(m).toEqual({
      id: '5-1',
      position: '5-1',
      origin: 'stream s entry 5-1',
      body: b('x'),
      key: 'k',
      headers: { a: '1', level: 'info' },
    });
    const bare = mapping().decode([b('6-0'), [b('msg'), b('hello')]]);
    expect(bare?.body.byteLength).toBe(0);
    expect(bare?.headers).toEqual({ msg: 'hello' });
    expect(bare?.key).toBeUndefined();
  });

  it('honours other field names', () => {
    const m = mapping({ bodyField: 'payload', keyField: 'k', headerPrefix: 'hdr.' });
    expect(m.xaddArgs('s', { key: 'x', headers: { h: 'v' }, body: b('p') }).map(String)).toEqual([
      's',
      '*',
      'payload',
      'p',
      'k',
      'x',
      'hdr.h',
      'v',
    ]);
    expect(m.decode([b('1-0'), [b('payload'), b('p'), b('hdr.h'), b('v')]])?.headers).toEqual({
      h: 'v',
    });
  });

  it('a deleted pending entry has no message', () => {
    expect(mapping().decode([b('1-0'), null] as RawEntry)).toBeUndefined();
  });
});

describe('previousId', () => {
  it('steps back one sequence, or to the end of the previous millisecond', () => {
    expect(previousId('5-3')).toBe('5-2');
    expect(previousId('5-0')).toBe('4-18446744073709551615');
    expect(previousId('0-0')).toBe('0-0');
    expect(previousId('1700000000000-0')).toBe('1699999999999-18446744073709551615');
  });
});
