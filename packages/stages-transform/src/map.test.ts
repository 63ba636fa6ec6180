import { describe, expect, it } from 'vitest';
import { msg, rejection, run, stage, thrown, values } from '../test/stage-helpers.js';
import { carriesJson, readJson } from './json-body.js';

describe('map', () => {
  it('reshapes the body; key and headers are kept; ints become JSON numbers', async () => {
    const s = stage('map', {
      expression:
        '{"ts": time, "severity": level.upperAscii(), "msg": message, "n": 1, "tags": ["a", 2]}',
    });
    const [out] = await run(s, [
      msg('{"time":"t","level":"error","message":"m"}', { key: 'k', headers: { h: '1' } }),
    ]);
    expect(out).toMatchObject({ key: 'k', headers: { h: '1' } });
    expect(JSON.parse(new TextDecoder().decode((out as { body: Uint8Array }).body))).toEqual({
      ts: 't',
      severity: 'ERROR',
      msg: 'm',
      n: 1,
      tags: ['a', 2],
    });
  });

  it('maps CEL bytes, timestamps and durations to their JSON forms', async () => {
    const s = stage('map', {
      expression:
        '{"b": b"hi", "t": timestamp("2020-01-01T00:00:00Z"), "d": duration("1.5s"), "u": 3u}',
    });
    expect(await values(s, ['{}'])).toEqual([
      { b: 'aGk=', t: '2020-01-01T00:00:00.000Z', d: '1.5s', u: 3 },
    ]);
  });

  it('the new value goes to the next stage without serialising', async () => {
    const [out] = await run(stage('map', { expression: '{"x": body}' }), ['[1]']);
    expect(carriesJson(out as never)).toBe(true);
    expect(readJson(out as never)).toEqual({ x: [1] });
  });

  it.each([
    ['{"x": missing}', '{}', 'map expression failed: Unknown variable: missing (column 7)'],
    [
      '{"x": 9223372036854775807}',
      '{}',
      "map expression failed: .x is 9223372036854775807, beyond JSON's exact integers (±2^53)",
    ],
    ['{"x": n / 0.0}', '{"n":1}', 'map expression failed: .x is Infinity, which JSON cannot hold'],
    [
      '{"x": optional.of(1)}',
      '{}',
      'map expression failed: .x is a CEL Optional, which JSON cannot hold',
    ],
    [
      '{"x": 1}',
      'not json',
      'body is not JSON: Unexpected token \'o\', "not json" is not valid JSON',
    ],
  ])('refuses one message, not the loop: %s over %s', async (expression, body, message) => {
    const out = await run(stage('map', { expression }), [body, '{"n":2}']);
    const error = rejection(out[0]);
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(`[stage:s] ${message}`);
  });

  it.each([
    [{}, '`stages.s.expression` is required'],
    [
      { expression: '{"a": }' },
      '`stages.s.expression` does not compile at column 7: Unexpected token: RBRACE',
    ],
    [{ expression: '{"a": 1}', jsonata: 'x' }, '`stages.s.jsonata` is not a setting of this stage'],
  ])('refuses bad settings at start: %j', (settings, message) => {
    const error = thrown(() => stage('map', settings));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe(`[stage:s] ${message} (stage 0, id "s")`);
  });
});
