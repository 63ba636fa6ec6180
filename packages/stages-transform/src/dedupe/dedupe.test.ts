import { isStageRejection } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { context, msg, run, text, thrown } from '../../test/helpers.js';
import { withJson } from '../json-body.js';
import { createDedupeStage } from './stage.js';

const dedupe = (settings: Record<string, string>, clock?: { now(): number }) =>
  createDedupeStage(context('dedupe', settings), clock);
const kept = (outs: readonly unknown[]) => outs.map((o) => text(o as never));

describe('dedupe: by', () => {
  it('by=key (default): drops a message whose key was seen, in the same run and across runs', async () => {
    const stage = dedupe({});
    const first = await run(stage, [msg('1', 'a'), msg('2', 'b'), msg('3', 'a')]);
    expect(kept(first)).toEqual(['1', '2', null]);
    expect(kept(await run(stage, [msg('4', 'b'), msg('5', 'c')]))).toEqual([null, '5']);
  });

  it('returns the input array itself when nothing was dropped', async () => {
    const input = [msg('1', 'a'), msg('2', 'b')];
    expect(await run(dedupe({}), input)).toBe(input);
  });

  it('by=header:<name>: case-sensitive name; an inherited name such as constructor is no header', async () => {
    const stage = dedupe({ by: 'header:x-id' });
    const outs = await run(stage, [
      msg('1', undefined, { 'x-id': 'r1' }),
      msg('2', undefined, { 'X-Id': 'r1' }),
      msg('3', undefined, { 'x-id': 'r1' }),
    ]);
    expect(kept(outs)).toEqual(['1', '2', null]);
    const ctor = dedupe({ by: 'header:constructor', missing: 'drop' });
    expect(kept(await run(ctor, [msg('1', undefined, {})]))).toEqual([null]);
  });

  it('by=field:<path>: a JSON field, strings and numbers alike; a carried value is used', async () => {
    const stage = dedupe({ by: 'field:order.id' });
    const outs = await run(stage, [
      msg('{"order":{"id":7}}'),
      withJson(msg(''), { order: { id: 7 } }),
      msg('{"order":{"id":"8"}}'),
      msg('{"order":{"id":{"a":1}}}'),
      msg('{"order":{"id":{"a":1}}}'),
    ]);
    expect(kept(outs)).toEqual([
      '{"order":{"id":7}}',
      null,
      '{"order":{"id":"8"}}',
      '{"order":{"id":{"a":1}}}',
      null,
    ]);
  });

  it('by=field: a body that is not JSON is refused with invalid-input naming the stage', async () => {
    const [out] = await run(dedupe({ by: 'field:id' }), [msg('plain')]);
    expect(isStageRejection(out) && out.error.code).toBe('invalid-input');
    expect(text(out)).toMatch(/the body is not JSON .* \(stage 1, id "s1"\)/);
  });

  it('by=body: equal bodies are duplicates, whatever their keys', async () => {
    const outs = await run(dedupe({ by: 'body' }), [msg('x', 'a'), msg('y', 'a'), msg('x', 'b')]);
    expect(kept(outs)).toEqual(['x', 'y', null]);
  });

  it('long keys are remembered by their SHA-256: still exact', async () => {
    const long = 'k'.repeat(5000);
    const outs = await run(dedupe({}), [msg('1', long), msg('2', `${long}x`), msg('3', long)]);
    expect(kept(outs)).toEqual(['1', '2', null]);
    // a key that looks like a digest is hashed too, so it cannot collide with one
    const hashLike = await run(dedupe({}), [msg('1', '#abc'), msg('2', '#abc')]);
    expect(kept(hashLike)).toEqual(['1', null]);
  });
});

describe('dedupe: missing', () => {
  it('keep (default) passes a message without the key, every time', async () => {
    expect(kept(await run(dedupe({}), [msg('1'), msg('2')]))).toEqual(['1', '2']);
  });
  it('drop filters it', async () => {
    expect(kept(await run(dedupe({ missing: 'drop' }), [msg('1'), msg('2', 'a')]))).toEqual([
      null,
      '2',
    ]);
  });
  it('reject refuses it with invalid-input naming what is missing', async () => {
    const stage = dedupe({ by: 'field:a.b', missing: 'reject' });
    const [out] = await run(stage, [msg('{"a":{"b":null}}')]);
    expect(isStageRejection(out) && out.error.code).toBe('invalid-input');
    expect(text(out)).toMatch(/the message has no field "a\.b"/);
  });
});

describe('dedupe: windows', () => {
  it('window_count: only the last N distinct keys are remembered (least recently seen first out)', async () => {
    const stage = dedupe({ window_count: '2' });
    expect(kept(await run(stage, [msg('1', 'a'), msg('2', 'b'), msg('3', 'c')]))).toEqual([
      '1',
      '2',
      '3',
    ]);
    // a was forgotten (3 distinct keys for 2 places); c and b are remembered
    expect(kept(await run(stage, [msg('4', 'a')]))).toEqual(['4']);
    expect(kept(await run(stage, [msg('5', 'c')]))).toEqual([null]);
    // seeing c again made it recent: b is the one forgotten when d arrives
    expect(kept(await run(stage, [msg('6', 'd'), msg('7', 'c'), msg('8', 'b')]))).toEqual([
      '6',
      null,
      '8',
    ]);
  });

  it('window_ms: a key is forgotten window_ms after the message that was kept, not extended by duplicates', async () => {
    let now = 1000;
    const stage = dedupe({ window_ms: '100' }, { now: () => now });
    expect(kept(await run(stage, [msg('1', 'a')]))).toEqual(['1']);
    now = 1099;
    expect(kept(await run(stage, [msg('2', 'a')]))).toEqual([null]);
    now = 1101;
    expect(kept(await run(stage, [msg('3', 'a')]))).toEqual(['3']);
    now = 1150;
    expect(kept(await run(stage, [msg('4', 'a')]))).toEqual([null]);
  });

  it('window_ms with the real clock', async () => {
    const stage = dedupe({ window_ms: '50' });
    expect(kept(await run(stage, [msg('1', 'a'), msg('2', 'a')]))).toEqual(['1', null]);
    await new Promise((r) => setTimeout(r, 80));
    expect(kept(await run(stage, [msg('3', 'a')]))).toEqual(['3']);
  });

  it('forgets all but the last window_count keys over a million distinct keys', async () => {
    const stage = dedupe({ window_count: '1000' });
    const batch = (from: number) =>
      Array.from({ length: 10_000 }, (_, i) => msg('', String(from + i)));
    for (let b = 0; b < 100; b++) await run(stage, batch(b * 10_000));
    // the last 1000 are remembered, the one before them is not
    expect(kept(await run(stage, [msg('x', String(999_999)), msg('y', String(998_999))]))).toEqual([
      null,
      'y',
    ]);
  });
});

describe('dedupe: bad settings (invalid-config naming stages.<id>.<setting>)', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['an unknown setting', { window: '5' }, /`stages\.s1\.window` is not a setting of this stage/],
    [
      'a bad by',
      { by: 'value' },
      /`stages\.s1\.by` must be key, body, header:<name> or field:<json\.path>, got "value"/,
    ],
    ['an empty header name', { by: 'header:' }, /`stages\.s1\.by` must be/],
    ['an empty field path', { by: 'field:a..b' }, /`stages\.s1\.by` must be/],
    [
      'window_count 0',
      { window_count: '0' },
      /`stages\.s1\.window_count` must be a whole number from 1 to 1000000, got "0"/,
    ],
    [
      'window_count over the cap',
      { window_count: '1000001' },
      /`stages\.s1\.window_count` must be a whole number from 1 to 1000000/,
    ],
    [
      'window_count not a number',
      { window_count: '10k' },
      /`stages\.s1\.window_count` must be a whole number/,
    ],
    [
      'window_ms 0',
      { window_ms: '0' },
      /`stages\.s1\.window_ms` must be a whole number from 1 to 86400000, got "0"/,
    ],
    ['window_ms negative', { window_ms: '-5' }, /`stages\.s1\.window_ms` must be a whole number/],
    [
      'window_ms with a unit',
      { window_ms: '5s' },
      /`stages\.s1\.window_ms` must be a whole number/,
    ],
    [
      'a bad missing',
      { missing: 'skip' },
      /`stages\.s1\.missing` must be one of keep, drop, reject, got "skip"/,
    ],
  ];
  for (const [what, settings, message] of cases) {
    it(what, () => {
      const e = thrown(() => dedupe(settings));
      expect(e.code).toBe('invalid-config');
      expect(e.message).toMatch(message);
      expect(e.message).toContain('(stage 1, id "s1")');
      expect(e.details).toMatchObject({ stage: 's1', key: expect.stringMatching(/^stages\.s1\./) });
      expect(e.hint).toBeTruthy();
    });
  }

  it('the hint gives a usable value', () => {
    expect(thrown(() => dedupe({ window_ms: '10m' })).hint).toBe(
      'write e.g. stages.s1.window_ms=60000',
    );
    expect(thrown(() => dedupe({ window_count: '0' })).hint).toBe(
      'write e.g. stages.s1.window_count=10000',
    );
  });
});
