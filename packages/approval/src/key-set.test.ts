import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { key, keySet } from '../test/fixtures.js';
import { loadKeySet, mergeKeySets, parseKeySet } from './index.js';

const good = () => ({ ...key('k1').publicJwk });

function parseError(value: unknown): Error {
  try {
    parseKeySet(value, 'keys.json');
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseKeySet to throw');
}

describe('parseKeySet', () => {
  it('accepts a JWK Set of Ed25519 keys, with or without alg, and drops unknown members', () => {
    const { alg: _alg, ...noAlg } = key('k2').publicJwk;
    const set = parseKeySet({ keys: [{ ...good(), x5t: 'ignored' }, noAlg] }, 'keys.json');
    expect(set).toEqual({ keys: [key('k1').publicJwk, noAlg] });
  });

  it('accepts alg Ed25519 (RFC 9864)', () => {
    expect(parseKeySet({ keys: [{ ...good(), alg: 'Ed25519' }] }, 'x').keys[0]?.alg).toBe(
      'Ed25519',
    );
  });

  const cases: Array<[string, unknown, string, string | null]> = [
    ['not an object', [1], 'the document must be a JSON object with a `keys` array', null],
    ['no keys array', { keys: 'k1' }, 'keys must be an array of JWKs', 'keys'],
    [
      'RSA key',
      { keys: [good(), { ...good(), kid: 'r', kty: 'RSA' }] },
      'keys[1].kty must be "OKP" (only Ed25519 keys are supported)',
      'keys[1].kty',
    ],
    [
      'X25519 curve',
      { keys: [{ ...good(), crv: 'X25519' }] },
      'keys[0].crv must be "Ed25519"',
      'keys[0].crv',
    ],
    [
      'short x',
      { keys: [{ ...good(), x: 'AAAA' }] },
      'keys[0].x must be a 32-byte Ed25519 public key in base64url',
      'keys[0].x',
    ],
    [
      'no kid',
      { keys: [{ ...good(), kid: undefined }] },
      'keys[0].kid must be a non-empty string',
      'keys[0].kid',
    ],
    [
      'wrong alg',
      { keys: [{ ...good(), alg: 'RS256' }] },
      'keys[0].alg must be "EdDSA" when present',
      'keys[0].alg',
    ],
    [
      'wrong use',
      { keys: [{ ...good(), use: 'enc' }] },
      'keys[0].use must be "sig" when present',
      'keys[0].use',
    ],
    [
      'duplicate kid',
      { keys: [good(), key('k2').publicJwk, good()] },
      'keys[2].kid duplicates kid "k1" of keys[0]',
      'keys[2].kid',
    ],
  ];
  it.each(cases)(
    'rejects %s with a message naming the file, index and field',
    (_n, value, msg, path) => {
      const error = parseError(value) as Error & { code: string; details: Record<string, unknown> };
      expect(error.code).toBe('invalid-config');
      expect(error.message).toBe(`[approval] invalid key set keys.json: ${msg}`);
      expect(error.details).toEqual({ file: 'keys.json', path });
    },
  );

  it('rejects private key material without echoing it', () => {
    const { privateJwk } = key('k1');
    const error = parseError({ keys: [privateJwk] });
    expect(error.message).toBe(
      '[approval] invalid key set keys.json: keys[0].d is private key material: a trust set holds public keys only',
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(privateJwk.d);
  });
});

describe('loadKeySet', () => {
  it('loads a file, and names the file when it is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ep-keys-'));
    const path = join(dir, 'signing_keys.json');
    await writeFile(path, JSON.stringify(keySet('k1')));
    await expect(loadKeySet(path)).resolves.toEqual(keySet('k1'));
    await expect(loadKeySet(join(dir, 'nope.json'))).rejects.toMatchObject({
      code: 'not-found',
      message: `[approval] key set ${join(dir, 'nope.json')}: does not exist`,
    });
    await expect(loadKeySet('/dev/zero')).rejects.toMatchObject({
      code: 'invalid-config',
      message:
        '[approval] key set /dev/zero: is not a regular file (a device, a pipe or a socket is never read)',
      hint: 'give `--approval-key-set=` the path of a regular file',
    });
    await writeFile(path, Buffer.alloc(256 * 1024 + 1, 0x20));
    await expect(loadKeySet(path)).rejects.toMatchObject({
      code: 'invalid-config',
      message: `[approval] key set ${path}: is ${256 * 1024 + 1} bytes, over the limit of ${256 * 1024} bytes`,
    });
    await writeFile(path, '{"keys": [');
    await expect(loadKeySet(path)).rejects.toMatchObject({
      code: 'invalid-config',
      message: `[approval] invalid key set ${path}: not valid JSON`,
    });
  });
});

describe('mergeKeySets', () => {
  it('adds keys from later sets and overrides same-kid keys in place', () => {
    const replacement = { ...key('other').publicJwk, kid: 'k1' };
    const merged = mergeKeySets(keySet('k1', 'k2'), keySet('k3'), { keys: [replacement] });
    expect(merged.keys.map((k) => k.kid)).toEqual(['k1', 'k2', 'k3']);
    expect(merged.keys[0]).toEqual(replacement);
  });

  it('does not modify its inputs', () => {
    const base = keySet('k1');
    mergeKeySets(base, { keys: [{ ...key('k2').publicJwk, kid: 'k1' }] });
    expect(base).toEqual(keySet('k1'));
  });
});
