import { describe, expect, it } from 'vitest';
import { rejection, run, stage, thrown, values } from '../test/stage-helpers.js';

const PATTERN =
  '^(?<date>\\S+ \\S+) - (?<level>[A-Z]+) +\\[(?<thread>[^\\]]+)\\] - (?<message>.*)$';

describe('parse:regex', () => {
  it('one string field per named group that took part in the match', async () => {
    const s = stage('parse:regex', {
      pattern: '^(?<level>\\w+)(?: \\[(?<module>\\w+)\\])? (?<message>.*)$',
    });
    expect(await values(s, ['error [core] disk full', 'info started\r\n'])).toEqual([
      { level: 'error', module: 'core', message: 'disk full' },
      { level: 'info', message: 'started' },
    ]);
  });

  it('reads a ZooKeeper line', async () => {
    const [v] = await values(stage('parse:regex', { pattern: PATTERN }), [
      '2015-07-29 19:03:35,413 - ERROR [LearnerHandler-/10.10.34.11:52225:LearnerHandler@562] - Unexpected exception',
    ]);
    expect(v).toEqual({
      date: '2015-07-29 19:03:35,413',
      level: 'ERROR',
      thread: 'LearnerHandler-/10.10.34.11:52225:LearnerHandler@562',
      message: 'Unexpected exception',
    });
  });

  it('refuses a line the pattern does not match, quoting its start', async () => {
    const error = rejection(
      (await run(stage('parse:regex', { pattern: PATTERN }), ['x'.repeat(100)]))[0],
    );
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(
      `[stage:s] cannot parse as regex: does not match the pattern: "${'x'.repeat(80)}…(20 more bytes)"`,
    );
  });

  it.each([
    [{}, '`stages.s.pattern` is required'],
    [{ pattern: ' ' }, '`stages.s.pattern` is empty'],
    [
      { pattern: '(?<a>x' },
      '`stages.s.pattern` is not a valid regular expression: Invalid regular expression: /(?<a>x/u: Unterminated group',
    ],
    [{ pattern: '^(\\w+)$' }, '`stages.s.pattern` has no named capture group'],
    [{ pattern: '(?<a>x)', flags: 'i' }, '`stages.s.flags` is not a setting of this stage'],
  ])('refuses bad settings at start: %j', (settings, message) => {
    const error = thrown(() => stage('parse:regex', settings));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe(`[stage:s] ${message} (stage 0, id "s")`);
  });

  it('refuses an unknown format, naming the known ones', () => {
    const error = thrown(() => stage('parse:xml'));
    expect(error.message).toBe('[stage:s] unknown parse format "xml" (stage 0, id "s")');
    expect(error.hint).toBe(
      'formats: parse:json, parse:logfmt, parse:csv, parse:regex, parse:apache_error, parse:syslog',
    );
  });
});

describe('parse:regex group numbering', () => {
  it.each([
    ['^(\\w+) (?<b>\\w+)$', 'x y', { b: 'y' }],
    ['^[(?<no>]*(?<a>x)\\((?<b>y)\\)$', '((x(y)', { a: 'x', b: 'y' }],
    ['^(?:a)(?=a)(?<a>a)(?<!b)(?<b>b)$', 'aab', { a: 'a', b: 'b' }],
    ['^(?<a>.)\\k<a>(?<b>.)$', 'xxy', { a: 'x', b: 'y' }],
    ['^\\\\(?<a>x)$', '\\x', { a: 'x' }],
  ])('%s reads the right groups', async (pattern, line, expected) => {
    expect(await values(stage('parse:regex', { pattern }), [line])).toEqual([expected]);
  });
});
