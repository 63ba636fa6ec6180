import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stage, values } from '../test/stage-helpers.js';

const json = new TextEncoder();

/** A logfmt key: printable, no space, `=` or `"`. */
const logfmtKey = fc.stringMatching(/^[A-Za-z_][\w.:/-]{0,12}$/);

/** A logfmt value, written quoted with JSON escapes (any string round-trips). */
const logfmtValue = fc.string({ maxLength: 20, unit: 'grapheme' });

describe('round trips (fast-check)', () => {
  it('parse:json → map(body) gives back any JSON value unchanged', async () => {
    const parse = stage('parse:json');
    const map = stage('map', { expression: 'body' });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const text = JSON.stringify(value);
        const parsed = await parse.process([{ body: json.encode(text) }], ctx);
        const [out] = await values(map, parsed as never);
        // JSON itself turns -0 into 0: compare as JSON text
        expect(JSON.stringify(out)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('parse:logfmt → map reads back every pair of a generated line', async () => {
    const parse = stage('parse:logfmt');
    const map = stage('map', { expression: 'body' });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(logfmtKey, logfmtValue, { minKeys: 1, maxKeys: 6 }),
        async (pairs) => {
          const line = Object.entries(pairs)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ');
          const parsed = await parse.process([{ body: json.encode(line) }], ctx);
          const [out] = await values(map, parsed as never);
          expect(out).toEqual(pairs);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parse:csv reads back every record of a generated batch (quotes, commas, newlines)', async () => {
    const parse = stage('parse:csv', { columns: 'a,b,c' });
    const field = fc.string({ maxLength: 8 }).filter((s) => !s.includes('\r'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, field, field), { minLength: 1, maxLength: 20 }),
        async (rows) => {
          const lines = rows.map((r) => r.map((f) => `"${f.replaceAll('"', '""')}"`).join(','));
          const out = await values(parse, lines);
          expect(out).toEqual(rows.map(([a, b, c]) => ({ a, b, c })));
        },
      ),
      { numRuns: 200 },
    );
  });
});

const ctx = { id: 's', index: 0, signal: new AbortController().signal };
