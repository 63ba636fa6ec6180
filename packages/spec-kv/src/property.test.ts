import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSpec } from './encode.js';
import { SpecParseError } from './errors.js';
import { hashSpec } from './hash.js';
import { parseSpec } from './parse.js';
import type { SingleRingSpec, SpecStage } from './types.js';

const RUNS = { numRuns: 500 };

const RESERVED = ['__proto__', 'constructor', 'prototype'];
/** No segment is a reserved name (those are refused: see the reserved-name tests). */
const unreserved = (key: string) => !key.split('.').some((s) => RESERVED.includes(s));
const stageId = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/).filter(unreserved);
const visible = /^([!-~]([ -~]*[!-~])?)?$/; // printable ASCII, no whitespace at either end
const stageKey = fc.oneof(
  fc.constant('identity'),
  fc
    .tuple(
      fc.constantFrom('http', 'https'),
      fc.stringMatching(
        /^[a-z][a-z0-9]{0,8}(\.[a-z]{2,5})?(:[1-9][0-9]{0,3})?(\/[A-Za-z0-9_.~-]{0,8}){0,3}$/,
      ),
    )
    .map(([scheme, rest]) => `http_post:${scheme}://${rest}`),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9/_.-]{1,16}$/),
      fc.array(fc.stringMatching(/^[!-{}~]{0,8}$/), { maxLength: 3 }),
    )
    .map(([program, args]) => [`exec:${program}`, ...args].join('|')),
);

const stagesArb = fc
  .integer({ min: 1, max: 4 })
  .chain((n) =>
    fc
      .tuple(
        fc.uniqueArray(stageId, { minLength: n, maxLength: n }),
        fc.array(stageKey, { minLength: n, maxLength: n }),
        fc.tuple(
          ...Array.from({ length: n }, (_, i) =>
            fc.subarray(Array.from({ length: i }, (_, d) => d)),
          ),
        ),
      )
      .map(([ids, keys, deps]): SpecStage[] =>
        ids.map((id, i) => ({ id, stage: keys[i] as string, dependsOn: deps[i] as number[] })),
      ),
  );

const specArb: fc.Arbitrary<SingleRingSpec> = fc
  .record({
    name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
    shards: fc.integer({ min: 1, max: 16 }),
    strict: fc.boolean(),
    shardKey: fc.option(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), { nil: undefined }),
    capacity: fc.integer({ min: 1, max: 20 }).map((k) => 2 ** k),
    stages: stagesArb,
    extra: fc.dictionary(
      fc.stringMatching(/^x\.[A-Za-z0-9_.-]{1,10}$/).filter(unreserved),
      fc.stringMatching(visible),
      { maxKeys: 4 },
    ),
  })
  .map(({ name, shards, strict, shardKey, capacity, stages, extra }) => ({
    v: 1,
    name,
    model: 'single_ring',
    shards,
    producer: 'single',
    scheduling: 'dedicated',
    ordering: shards === 1 && strict ? 'strict' : 'per_key',
    ...(shards > 1 && shardKey !== undefined ? { shardKey } : {}),
    capacity,
    stages,
    extra,
  }));

/** Lines that only restate a default: dropping them must not change the hash. */
const DEFAULTS = new Set([
  'v=1',
  'model=single_ring',
  'single_ring.shards=1',
  'single_ring.producer=single',
  'single_ring.scheduling=dedicated',
  'single_ring.ordering=strict',
  'single_ring.capacity=1024',
]);
const droppable = (line: string) =>
  DEFAULTS.has(line) || /^single_ring\.stages\.\d+\.stage=identity$/.test(line);

const noise = fc.oneof(fc.constant(''), fc.constant(' \t'), fc.stringMatching(/^#[ -~]{0,20}$/));

describe('properties: canonical form', () => {
  it('encode -> parse -> encode is identical and the hash is stable', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const text = encodeSpec(spec);
        const parsed = parseSpec(text);
        expect(parsed.spec).toEqual(spec);
        expect(parsed.canonical).toBe(text);
        expect(encodeSpec(parsed.spec)).toBe(text);
        expect(parsed.hash).toBe(hashSpec(spec));
        expect(parseSpec(new TextEncoder().encode(text)).hash).toBe(parsed.hash);
      }),
      RUNS,
    );
  });

  it('shuffling keys, adding comments and blank lines, CRLF and dropping defaults keep the hash', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => {
          const lines = encodeSpec(spec).trimEnd().split('\n');
          return fc.tuple(
            fc.constant(spec),
            fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }),
            fc.array(fc.tuple(fc.nat(), noise), { maxLength: 6 }),
            fc.boolean(),
            fc.boolean(),
            fc.boolean(),
          );
        }),
        ([spec, shuffled, inserts, crlf, finalNewline, dropDefaults]) => {
          const lines = shuffled.filter((line) => !(dropDefaults && droppable(line)));
          for (const [at, line] of inserts) lines.splice(at % (lines.length + 1), 0, line);
          const eol = crlf ? '\r\n' : '\n';
          const text = lines.join(eol) + (finalNewline ? eol : '');
          expect(parseSpec(text).hash).toBe(hashSpec(spec));
        },
      ),
      RUNS,
    );
  });
});

/** parseSpec returns, or throws a well-formed SpecParseError; anything else fails the property. */
function parsesOrRejects(input: string | Uint8Array): void {
  try {
    const parsed = parseSpec(input, { file: 'fuzz.kv' });
    expect(parseSpec(parsed.canonical).canonical).toBe(parsed.canonical);
  } catch (error) {
    if (!(error instanceof SpecParseError)) throw error;
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.message.startsWith(`fuzz.kv:${error.line}:${error.column}: `)).toBe(true);
    expect(error.hint).toMatch(/\S/);
  }
}

const FRAGMENTS = [
  '=',
  '\n',
  '\r\n',
  '#',
  '.',
  ',',
  ' ',
  '\t',
  '0',
  '1',
  '4',
  'a',
  '\u00e9',
  'v',
  'name',
  'model',
  'single_ring.',
  'stages.',
  'lane_graph.',
  'pipeline.',
  'constraints.',
  'id',
  'stage',
  'depends_on',
  'shards',
  'ordering',
  'per_key',
  'identity',
  'http_post:',
  'exec:',
  'SingleRing',
  '|',
];
const specish = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 })
  .map((parts) => parts.join(''));

describe('properties: parseSpec never throws anything but SpecParseError', () => {
  it('for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), specish),
        parsesOrRejects,
      ),
      RUNS,
    );
  });

  it('for arbitrary byte arrays', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), parsesOrRejects), RUNS);
  });

  it('for mutations of a valid spec text', () => {
    const mutation = fc.tuple(
      fc.nat(),
      fc.nat({ max: 8 }),
      fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 3 })),
    );
    fc.assert(
      fc.property(
        specArb,
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (spec, mutations) => {
          let text = encodeSpec(spec);
          for (const [at, remove, insert] of mutations) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + remove);
          }
          parsesOrRejects(text);
          parsesOrRejects(new TextEncoder().encode(text));
        },
      ),
      RUNS,
    );
  });
});
