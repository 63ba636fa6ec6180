/**
 * Hostile input (issue 16, part 3): the credential decoder and the key-set parser throw nothing
 * but their documented errors (ApprovalError `decode`; EdgeplaneError `invalid-config`), stay
 * within a time bound per input, never touch Object.prototype and never print a raw control byte.
 */
import { isEdgeplaneError } from '@edgeplane/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase64url } from './codec.js';
import { isApprovalError } from './errors.js';
import { parseKeySet } from './key-set.js';
import { decodeCredential } from './payload.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what the test looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Generous: a 2-core machine shared with other work; decoding takes well under a millisecond. */
const MAX_MS_PER_INPUT = 200;

function check(fn: () => unknown, expected: 'approval' | 'key-set'): void {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
  const started = performance.now();
  try {
    fn();
  } catch (error) {
    if (expected === 'approval') {
      expect(isApprovalError(error)).toBe(true);
      expect((error as { reason: string }).reason).toBe('decode');
    } else {
      expect(isEdgeplaneError(error)).toBe(true);
      expect((error as { code: string }).code).toBe('invalid-config');
    }
    const e = error as Error & { hint?: string };
    expect(e.message).not.toMatch(CONTROL);
    expect(e.hint ?? '').not.toMatch(CONTROL);
    expect(e.message.length).toBeLessThan(2000);
  }
  expect(performance.now() - started).toBeLessThan(MAX_MS_PER_INPUT);
  expect(Object.getOwnPropertyNames(Object.prototype)).toHaveLength(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const b64 = (text: string) => encodeBase64url(Buffer.from(text, 'utf8'));
const sig = encodeBase64url(new Uint8Array(64));
/** Payload objects near the v1 shape, with prototype keys and control bytes mixed in. */
const payload = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      v: fc.constantFrom(1, 2, '1', null),
      kid: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('\u001b[2J\u009b')),
      approval_id: fc.string({ unit: 'binary', maxLength: 20 }),
      spec_hash: fc.string({ maxLength: 70 }),
    })
    .map((r) => JSON.stringify(r)),
  fc.constantFrom(
    '{"__proto__":{"polluted":1},"kid":"k","v":1}',
    '{"constructor":{"prototype":{"polluted":1}},"kid":"k","v":1}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `{"kid":"k","v":1,"x":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
  ),
);
const credential = fc.oneof(
  fc.tuple(payload, fc.constantFrom(sig, sig.slice(1), 'AA', '')).map(([p, s]) => `${b64(p)}.${s}`),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.stringMatching(/^[A-Za-z0-9_.=+/ -]{0,200}$/),
);

describe('decodeCredential on hostile input', () => {
  it('throws only ApprovalError (decode), in bounded time, with printable messages', () => {
    fc.assert(
      fc.property(credential, (c) => check(() => decodeCredential(c), 'approval')),
      {
        numRuns: 200,
      },
    );
  });

  it('stays within the bound for 64 KiB credentials', () => {
    const big = fc
      .constantFrom('A', '.', '{"a":', '[')
      .map((unit) => `${b64(unit.repeat(Math.floor((48 * 1024) / unit.length)))}.${sig}`);
    fc.assert(
      fc.property(big, (c) => check(() => decodeCredential(c), 'approval')),
      {
        numRuns: 8,
      },
    );
  });
});

describe('parseKeySet on hostile input', () => {
  const jwk = fc.record(
    {
      kty: fc.constantFrom('OKP', 'RSA', '__proto__'),
      crv: fc.constantFrom('Ed25519', 'X25519'),
      x: fc.oneof(fc.constant(encodeBase64url(new Uint8Array(32))), fc.string({ maxLength: 50 })),
      kid: fc.oneof(
        fc.constantFrom('a', 'a', '\u001b]0;x\u0007', '\u0085'),
        fc.string({ unit: 'binary', maxLength: 200 }),
      ),
      alg: fc.constantFrom('EdDSA', 'none'),
      d: fc.constant('secret'),
    },
    { requiredKeys: ['kty', 'crv', 'x', 'kid'] },
  );
  const set = fc.oneof(
    fc.record({ keys: fc.array(jwk, { maxLength: 6 }) }),
    fc.jsonValue({ maxDepth: 4 }),
    fc
      .constantFrom('{"keys":[],"__proto__":{"polluted":1}}', '{"keys":{"__proto__":[]}}')
      .map((t) => JSON.parse(t)),
  );

  it('throws only EdgeplaneError invalid-config, in bounded time, with printable messages', () => {
    fc.assert(
      fc.property(set, (s) => check(() => parseKeySet(s, 'keys.json'), 'key-set')),
      {
        numRuns: 200,
      },
    );
  });

  it('round-trips: a parsed set parses to itself', () => {
    const good = fc
      .uniqueArray(fc.stringMatching(/^[!-~]{1,12}$/), { maxLength: 5 })
      .map((kids) => ({
        keys: kids.map((kid) => ({
          kty: 'OKP',
          crv: 'Ed25519',
          x: encodeBase64url(new Uint8Array(32)),
          kid,
          alg: 'EdDSA',
        })),
      }));
    fc.assert(
      fc.property(good, (s) => {
        const once = parseKeySet(s, 'keys.json');
        expect(parseKeySet(JSON.parse(JSON.stringify(once)), 'keys.json')).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });

  it('quotes a duplicated hostile kid escaped', () => {
    const key = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: encodeBase64url(new Uint8Array(32)),
      kid: '\u001b[2J',
    };
    expect(() => parseKeySet({ keys: [key, key] }, 'keys.json')).toThrow(
      'invalid key set keys.json: keys[1].kid duplicates kid "\\x1b[2J" of keys[0]',
    );
  });
});
