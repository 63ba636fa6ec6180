import { describe, expect, it } from 'vitest';
import { msg, outcome, rejection, run, stage, thrown } from '../test/stage-helpers.js';

describe('filter', () => {
  it('keeps (the same message) when true, drops when false', async () => {
    const s = stage('filter', { expression: 'level == "error" && !message.contains("mod_jk")' });
    const kept = msg('{"level":"error","message":"disk full"}');
    const out = await run(s, [
      kept,
      '{"level":"notice","message":"x"}',
      '{"level":"error","message":"mod_jk child"}',
    ]);
    expect(out).toEqual([kept, null, null]);
    expect(out[0]).toBe(kept);
  });

  it('sees body, key and headers; they win over body fields of the same name', async () => {
    const s = stage('filter', {
      expression:
        'key == "k1" && headers["tenant"] == "a" && body.key == "inner" && size(body) == 2',
    });
    const out = await run(s, [
      msg('{"key":"inner","n":1}', { key: 'k1', headers: { tenant: 'a' } }),
      msg('{"key":"inner","n":1}', { key: 'k2', headers: { tenant: 'a' } }),
    ]);
    expect(out.map((o) => (o === null ? 'dropped' : 'kept'))).toEqual(['kept', 'dropped']);
  });

  it('compares JSON numbers (doubles) with int literals', async () => {
    const s = stage('filter', { expression: 'status >= 500 && int(status) % 100 == 3' });
    const out = await run(s, ['{"status":503}', '{"status":404}']);
    expect(out.map((o) => o === null)).toEqual([false, true]);
  });

  it('refuses a message whose evaluation fails (missing field), with the column and a hint', async () => {
    const s = stage('filter', { expression: 'level == "error"' });
    const error = rejection((await run(s, ['{"msg":"x"}']))[0]);
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(
      '[stage:s] filter expression failed: Unknown variable: level (column 1)',
    );
    expect(error.hint).toBe(
      'guard fields that may be absent, e.g. has(body.level) && body.level == "error"',
    );
    const guarded = stage('filter', { expression: 'has(body.level) && body.level == "error"' });
    expect(await run(guarded, ['{"msg":"x"}'])).toEqual([null]);
  });

  it('refuses a message whose result is not a bool, and a body that is not JSON', async () => {
    const s = stage('filter', { expression: 'level' });
    const out = await run(s, ['{"level":"error"}', 'level=error']);
    expect(rejection(out[0]).message).toBe('[stage:s] filter expression gave a string, not a bool');
    expect(rejection(out[1]).message).toMatch(/^\[stage:s\] body is not JSON: Unexpected token/);
  });

  it('works after parse (the parsed value is carried, not re-parsed)', async () => {
    const parsed = await run(stage('parse:logfmt'), ['level=error a=1', 'level=info']);
    const out = await run(stage('filter', { expression: 'level == "error"' }), parsed as never);
    expect(outcome(out[0] ?? null)).toEqual({ level: 'error', a: '1' });
    expect(out[1]).toBeNull();
  });

  it.each([
    [{}, '`stages.s.expression` is required'],
    [{ expression: '' }, '`stages.s.expression` is empty'],
    [
      { expression: 'level == ' },
      '`stages.s.expression` does not compile at column 10: Unexpected token: EOF',
    ],
    [
      { expression: 'level = "x"' },
      '`stages.s.expression` does not compile at column 7: Unexpected character: =',
    ],
    [
      { expression: 'a &&\n  b ==' },
      '`stages.s.expression` does not compile at line 2 column 7: Unexpected token: EOF',
    ],
    [
      { expression: '"x" + 1' },
      '`stages.s.expression` does not compile at column 1: no such overload: string + int',
    ],
    [{ expression: '"error"' }, '`stages.s.expression` gives a string, not a bool'],
    [{ expression: 'true', if: 'x' }, '`stages.s.if` is not a setting of this stage'],
  ])('refuses bad settings at start: %j', (settings, message) => {
    const error = thrown(() => stage('filter', settings));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe(`[stage:s] ${message} (stage 0, id "s")`);
  });
});

describe('setting errors, for --json', () => {
  it('carry details.key = stages.<id>.<setting>, the setting, the stage and the column', () => {
    const error = thrown(() => stage('filter', { expression: 'a ==' }));
    expect(error.details).toEqual({
      stage: 's',
      key: 'stages.s.expression',
      setting: 'expression',
      stageKey: 'filter',
      line: 1,
      column: 5,
    });
  });
});
