import { describe, expect, it } from 'vitest';
import { msg } from '../test/stage-helpers.js';
import { attachJson, carriesJson, readJson, withJson } from './json-body.js';

describe('readJson / withJson', () => {
  it('parses a plain body once and remembers it for that message', () => {
    const m = msg('{"a":[1,2]}');
    const first = readJson(m);
    expect(first).toEqual({ a: [1, 2] });
    expect(readJson(m)).toBe(first);
  });

  it('refuses a body that is not JSON as invalid-input, with the parser position', () => {
    let error: unknown;
    try {
      readJson(msg('{"a":'));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid-input', component: 'json-body' });
    expect((error as Error).message).toMatch(/^\[json-body\] body is not JSON: .*position 5/);
  });

  it('refuses a body that is not UTF-8', () => {
    expect(() => readJson({ body: Uint8Array.of(0x22, 0xff, 0x22) })).toThrow(
      '[json-body] body is not UTF-8 text',
    );
  });

  it('withJson carries the value to the next reader and serialises the body only when read', () => {
    const value = { level: 'error', n: 1 };
    const m = withJson({ key: 'k', headers: { h: 'v' }, body: new Uint8Array() }, value);
    expect(carriesJson(m)).toBe(true);
    expect(readJson(m)).toBe(value);
    expect(m.bodyLength).toBeUndefined();
    expect(new TextDecoder().decode(m.body)).toBe('{"level":"error","n":1}');
    expect(m.bodyLength).toBe(23);
    expect(m.body).toBe(m.body);
    expect(m.key).toBe('k');
    expect(m.headers).toEqual({ h: 'v' });
  });

  it('attachJson keeps the exact bytes it was parsed from', () => {
    const source = msg('{ "a" : 1 }');
    const m = attachJson(source, readJson(source));
    expect(m.body).toBe(source.body);
    expect(m.bodyLength).toBe(11);
    expect(readJson(m)).toEqual({ a: 1 });
  });
});
