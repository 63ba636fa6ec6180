import { describe, expect, it } from 'vitest';
import { lex, parseDecimal } from './lex.js';
import { parseSpec } from './parse.js';
import { expectSpecError, kv, MINIMAL } from './test-helper.js';

describe('lex: grammar (reference decision 1)', () => {
  it('ignores comments and blank lines, accepts CRLF and a last line without newline', () => {
    const text = '# a comment\r\n\r\nv=1\r\n  \t\r\nname=orders\r\nsingle_ring.stages.0.id=parse';
    const { entries } = lex(text, 'spec.kv');
    expect(entries.map((e) => [e.key, e.value, e.line, e.column])).toEqual([
      ['v', '1', 3, 3],
      ['name', 'orders', 5, 6],
      ['single_ring.stages.0.id', 'parse', 6, 25],
    ]);
    expect(parseSpec(text).canonical).toBe(parseSpec(kv(...MINIMAL)).canonical);
  });

  it('keeps everything after the first "=" as the value, spaces inside included', () => {
    const { entries } = lex('x.note=a=b c\n', 'spec.kv');
    expect(entries[0]).toMatchObject({ key: 'x.note', value: 'a=b c' });
  });

  it('rejects a line without "="', () => {
    const e = expectSpecError(
      kv(...MINIMAL, 'single_ring.shards'),
      'spec.kv:4:19: expected "=" after key "single_ring.shards"',
    );
    expect(e.key).toBe('single_ring.shards');
  });

  it('rejects an empty key', () => {
    expectSpecError(kv(...MINIMAL, '=1'), 'spec.kv:4:1: empty key before "="');
  });

  it('rejects whitespace before "=" at the column of the space', () => {
    const e = expectSpecError(
      kv('v=1', 'name =orders'),
      'spec.kv:2:5: whitespace around "=" is not allowed; write key=value',
    );
    expect(e.hint).toBe('write name=orders');
  });

  it('rejects whitespace after "=" at the column of the space', () => {
    expectSpecError(
      kv('v=1', 'name=\torders'),
      'spec.kv:2:6: whitespace around "=" is not allowed; write key=value',
    );
    expectSpecError(
      kv('name = orders'),
      'spec.kv:1:5: whitespace around "=" is not allowed; write key=value',
    );
  });

  it('rejects leading whitespace, trailing whitespace and odd key characters', () => {
    expectSpecError(kv('  name=orders'), 'spec.kv:1:1: leading whitespace is not allowed');
    expectSpecError(
      kv('# ok', '  # indented comment'),
      'spec.kv:2:1: leading whitespace is not allowed',
    );
    expectSpecError(
      kv('name=orders '),
      'spec.kv:1:12: trailing whitespace after the value of "name"',
    );
    expectSpecError(kv('na me=orders'), 'spec.kv:1:3: invalid character " " in key "na me"');
    expectSpecError(kv('a/b=1'), 'spec.kv:1:2: invalid character "/" in key "a/b"');
  });

  it('rejects a non-ASCII byte in a string, naming its first UTF-8 byte', () => {
    const e = expectSpecError(
      kv(...MINIMAL, 'single_ring.stages.0.stage=caf\u00e9'),
      'spec.kv:4:31: non-ASCII byte 0xC3; spec.kv is ASCII-only',
    );
    expect([e.line, e.column]).toEqual([4, 31]);
  });

  it('rejects a non-ASCII byte in raw bytes, and in comments too', () => {
    const bytes = new TextEncoder().encode(kv('# r\u00e9sum\u00e9', ...MINIMAL));
    expectSpecError(bytes, 'spec.kv:1:4: non-ASCII byte 0xC3; spec.kv is ASCII-only');
    const latin1 = Uint8Array.from([...new TextEncoder().encode('name=caf'), 0xe9, 0x0a]);
    expectSpecError(latin1, 'spec.kv:1:9: non-ASCII byte 0xE9; spec.kv is ASCII-only');
  });

  it('names the byte order mark', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(kv(...MINIMAL))]);
    const e = expectSpecError(bytes, 'spec.kv:1:1: non-ASCII byte 0xEF; spec.kv is ASCII-only');
    expect(e.hint).toBe('save the file without a byte order mark (BOM)');
    expectSpecError(
      `\ufeff${kv(...MINIMAL)}`,
      'spec.kv:1:1: non-ASCII byte 0xEF; spec.kv is ASCII-only',
    );
  });

  it('rejects control bytes and a carriage return without line feed', () => {
    expectSpecError(
      'name=a\u0000b\n',
      'spec.kv:1:7: NUL byte 0x00 is not allowed in the value of "name"; spec.kv is plain ASCII text',
    );
    expectSpecError(
      'v=1\nname=a\u007f\n',
      'spec.kv:2:7: control byte 0x7F is not allowed in the value of "name"; spec.kv is plain ASCII text',
    );
    expectSpecError(
      'v=1\rname=a\n',
      'spec.kv:1:4: carriage return 0x0D without a line feed; lines end with LF or CRLF',
    );
  });

  it('rejects a duplicate key, naming the first line', () => {
    const e = expectSpecError(
      kv(...MINIMAL, '# again', 'name=other'),
      'spec.kv:5:1: duplicate key "name" (first set on line 2)',
    );
    expect(e.key).toBe('name');
  });

  it('uses the file option in positions', () => {
    expectSpecError('name\n', 'deploy/orders.kv:1:5: expected "=" after key "name"', {
      file: 'deploy/orders.kv',
    });
  });
});

describe('parseDecimal', () => {
  it('accepts plain decimal integers only', () => {
    expect(['0', '7', '1024'].map(parseDecimal)).toEqual([0, 7, 1024]);
    expect(
      ['', '01', '+1', '-1', '1.5', '1e3', '0x10', ' 1', 'two', '99999999999999999'].map(
        parseDecimal,
      ),
    ).toEqual(Array(10).fill(undefined));
  });
});
