import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type msg, outcome, rejection, run, stage, thrown } from '../test/stage-helpers.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['level'],
  properties: { level: { enum: ['error', 'warn'] }, n: { type: 'integer' } },
});

describe('parse:json', () => {
  it('keeps the exact bytes and carries the parsed value', async () => {
    const [m] = await run(stage('parse:json'), ['{ "level" : "error" }']);
    expect(outcome(m ?? null)).toEqual({ level: 'error' });
    expect(new TextDecoder().decode((m as { body: Uint8Array }).body)).toBe(
      '{ "level" : "error" }',
    );
  });

  it('refuses a body that is not JSON with the position, and passes the others', async () => {
    const out = await run(stage('parse:json'), ['{"a":1}', '{"a":', '[1]']);
    expect(outcome(out[0] ?? null)).toEqual({ a: 1 });
    const error = rejection(out[1]);
    expect(error.code).toBe('invalid-input');
    expect(error.component).toBe('stage:s');
    expect(error.message).toMatch(/^\[stage:s\] body is not JSON: .*position 5/);
    expect(outcome(out[2] ?? null)).toEqual([1]);
  });

  it('checks an inline schema: a body that does not conform is refused with the path', async () => {
    const out = await run(stage('parse:json', { schema: SCHEMA }), [
      '{"level":"error","n":2}',
      '{"level":"info"}',
      '{"n":1}',
      '{"level":"warn","n":1.5}',
    ]);
    expect(outcome(out[0] ?? null)).toEqual({ level: 'error', n: 2 });
    expect(rejection(out[1]).message).toBe(
      '[stage:s] body does not conform to the schema: /level must be equal to one of the allowed values ("error", "warn")',
    );
    expect(rejection(out[2]).message).toBe(
      "[stage:s] body does not conform to the schema: (the body) must have required property 'level'",
    );
    expect(rejection(out[3]).message).toMatch(/\/n must be integer$/);
  });

  it('reads the schema from schema_file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-schema-'));
    writeFileSync(join(dir, 's.json'), SCHEMA);
    const out = await run(stage('parse:json', { schema_file: join(dir, 's.json') }), [
      '{"level":"x"}',
    ]);
    expect(rejection(out[0]).code).toBe('invalid-input');
  });

  it.each([
    [{ schema: '{type: object}' }, /`stages.s.schema` is not JSON: /],
    [{ schema: '{"type":"nope"}' }, /`stages.s.schema` is not a valid JSON Schema: /],
    [
      { schema: SCHEMA, schema_file: '/x.json' },
      /`stages.s.schema` and `schema_file` are both set/,
    ],
    [
      { schema_file: '/nonexistent/s.json' },
      /`stages.s.schema_file` cannot be read: \/nonexistent\/s.json \(ENOENT\)/,
    ],
    [{ shema: SCHEMA }, /`stages.s.shema` is not a setting of this stage/],
  ])('refuses bad settings at start: %j', (settings, message) => {
    const error = thrown(() => stage('parse:json', settings));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('(stage 0, id "s")');
  });

  it('a message already carrying JSON passes as it is (no re-serialisation)', async () => {
    const [first] = await run(stage('parse:logfmt'), ['a=1']);
    const [again] = await run(stage('parse:json'), [first as ReturnType<typeof msg>]);
    expect(again).toBe(first);
  });
});
