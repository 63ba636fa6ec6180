import { describe, expect, it } from 'vitest';
import { rejection, run, stage, thrown, values } from '../test/stage-helpers.js';

describe('parse:logfmt', () => {
  it('parses pairs, quoted values with escapes, bare keys and empty values', async () => {
    const [v] = await values(stage('parse:logfmt'), [
      'level=info msg="user \\"ann\\" signed in" user=42 admin path=/a/b? empty= q="tab\there"\r\n',
    ]);
    expect(v).toEqual({
      level: 'info',
      msg: 'user "ann" signed in',
      user: '42',
      admin: true,
      path: '/a/b?',
      empty: '',
      q: 'tab\there',
    });
  });

  it('keeps a key named __proto__ as a field, and the last of a repeated key', async () => {
    const [v] = await values(stage('parse:logfmt'), ['__proto__=x a=1 a=2']);
    expect(v).toEqual(JSON.parse('{"__proto__":"x","a":"2"}'));
  });

  it.each([
    ['', 'cannot parse as logfmt: empty line: ""'],
    ['just some words', 'cannot parse as logfmt: no key=value pair: "just some words"'],
    ['a=1 msg="open', 'cannot parse as logfmt: unterminated quoted value of "msg" at column 9'],
    ['a=1 =x', "cannot parse as logfmt: expected a key, got '=' at column 5"],
    [
      'a=b=c',
      `cannot parse as logfmt: unexpected '=' in the value of "a" (quote the value) at column 4`,
    ],
    [
      'a="x"y b=1',
      `cannot parse as logfmt: unexpected 'y' after the quoted value of "a" at column 6`,
    ],
    ['a="\\q"', 'cannot parse as logfmt: bad escape in the quoted value of "a" at column 3'],
    ['k"ey=1', `cannot parse as logfmt: unexpected '"' in key "k" at column 2`],
  ])('refuses %j as invalid input with the column', async (line, message) => {
    const error = rejection((await run(stage('parse:logfmt'), [line]))[0]);
    expect(error.code).toBe('invalid-input');
    expect(error.message.startsWith(`[stage:s] ${message}`)).toBe(true);
  });

  it('refuses any setting', () => {
    expect(thrown(() => stage('parse:logfmt', { pattern: 'x' })).message).toMatch(
      /`stages.s.pattern` is not a setting of this stage .*/,
    );
  });
});
