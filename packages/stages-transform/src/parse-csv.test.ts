import { describe, expect, it } from 'vitest';
import { msg, outcome, rejection, run, stage, thrown, values } from '../test/stage-helpers.js';

describe('parse:csv', () => {
  it('names the fields from columns; RFC 4180 quoting; values stay strings', async () => {
    const v = await values(stage('parse:csv', { columns: 'time, level ,message' }), [
      '2015-07-29,WARN,"a, b ""quoted"""',
      '2015-07-30,INFO,plain',
    ]);
    expect(v).toEqual([
      { time: '2015-07-29', level: 'WARN', message: 'a, b "quoted"' },
      { time: '2015-07-30', level: 'INFO', message: 'plain' },
    ]);
  });

  it('refuses the bad lines of a batch and parses the others (fast path falls back)', async () => {
    const out = await run(stage('parse:csv', { columns: 'a,b' }), [
      '1,2',
      '1,2,3',
      '"x,y',
      '3,4',
      '',
    ]);
    expect(outcome(out[0] ?? null)).toEqual({ a: '1', b: '2' });
    expect(rejection(out[1]).message).toBe(
      '[stage:s] cannot parse as csv: has 3 fields, expected 2 (a,b): "1,2,3"',
    );
    expect(rejection(out[2]).message).toMatch(/^\[stage:s\] cannot parse as csv: Quote Not Closed/);
    expect(outcome(out[3] ?? null)).toEqual({ a: '3', b: '4' });
    expect(rejection(out[4]).message).toBe('[stage:s] cannot parse as csv: empty line: ""');
  });

  it('a quoted field may hold a newline: one message is still one record', async () => {
    const v = await values(stage('parse:csv', { columns: 'a,b' }), ['"x\ny",z', 'p,q']);
    expect(v).toEqual([
      { a: 'x\ny', b: 'z' },
      { a: 'p', b: 'q' },
    ]);
  });

  it('header=true takes the names from the first message, which is dropped', async () => {
    const s = stage('parse:csv', { header: 'true' });
    const out = await run(
      s,
      ['time;level', '1;2'].map((l) => l.replace(';', ',')),
    );
    expect(out[0]).toBeNull();
    expect(outcome(out[1] ?? null)).toEqual({ time: '1', level: '2' });
    expect(await values(s, ['3,4'])).toEqual([{ time: '3', level: '4' }]);
  });

  it('a header naming a column twice is refused', async () => {
    const out = await run(stage('parse:csv', { header: 'true' }), ['a,a']);
    expect(rejection(out[0]).message).toBe(
      '[stage:s] cannot parse as csv: header names "a" twice: "a,a"',
    );
  });

  it.each([
    [';', 'a;"b;c"', { x: 'a', y: 'b;c' }],
    ['tab', 'a\tb', { x: 'a', y: 'b' }],
  ])('delimiter=%s', async (delimiter, line, expected) => {
    expect(await values(stage('parse:csv', { columns: 'x,y', delimiter }), [line])).toEqual([
      expected,
    ]);
  });

  it.each([
    [{}, '`stages.s.columns` is required (or header=true)'],
    [{ columns: 'a,b', header: 'true' }, '`stages.s.columns` and `header=true` are both set'],
    [{ columns: 'a,,b' }, '`stages.s.columns` has an empty name at position 2'],
    [{ columns: 'a,b,a' }, '`stages.s.columns` names "a" twice'],
    [
      { columns: 'a', delimiter: ';;' },
      '`stages.s.delimiter` must be one character (or tab), got ";;"',
    ],
    [
      { columns: 'a', delimiter: '"' },
      '`stages.s.delimiter` must be one character (or tab), got """',
    ],
    [{ header: 'yes' }, '`stages.s.header` must be true or false, got "yes"'],
    [{ columns: 'a', quote: "'" }, '`stages.s.quote` is not a setting of this stage'],
  ])('refuses bad settings at start: %j', (settings, message) => {
    const error = thrown(() => stage('parse:csv', settings));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe(`[stage:s] ${message} (stage 0, id "s")`);
  });

  it('refuses a body that is not UTF-8', async () => {
    const out = await run(stage('parse:csv', { columns: 'a' }), [
      { body: Uint8Array.of(0xc3) },
      msg('x'),
    ]);
    expect(rejection(out[0]).message).toBe('[stage:s] body is not UTF-8 text (1 bytes)');
    expect(outcome(out[1] ?? null)).toEqual({ a: 'x' });
  });
});
