import { describe, expect, it } from 'vitest';
import { context, key, payload } from '../test/fixtures.js';
import { generateSigningKey, issueApproval, parseKeySet, verifyApproval } from './index.js';

describe('generateSigningKey', () => {
  it('returns matching Ed25519 JWKs with kid, alg and use', () => {
    const { privateJwk, publicJwk } = generateSigningKey({ kid: 'dev-1' });
    expect(publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: publicJwk.x,
      kid: 'dev-1',
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(privateJwk).toEqual({ ...publicJwk, d: privateJwk.d });
    expect(Buffer.from(privateJwk.d, 'base64url')).toHaveLength(32);
    expect(parseKeySet({ keys: [publicJwk] }, 'x').keys).toEqual([publicJwk]);
  });

  it('requires a kid', () => {
    expect(() => generateSigningKey({ kid: '' })).toThrow(
      '[approval] missing required option `kid`',
    );
  });
});

describe('issueApproval', () => {
  it('issues a credential that verifies', async () => {
    const cred = issueApproval(payload(), key('k1').privateJwk);
    expect(cred).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect((await verifyApproval(cred, context())).payload.approval_id).toBe('appr_42');
  });

  it('refuses an invalid payload, naming the field', () => {
    expect(() => issueApproval(payload({ expires_at: 1.5 }), key('k1').privateJwk)).toThrow(
      '[approval] invalid approval payload: `expires_at` must be an integer (Unix seconds)',
    );
  });

  it('refuses a kid that does not match the key', () => {
    expect(() => issueApproval(payload({ kid: 'k2' }), key('k1').privateJwk)).toThrow(
      '[approval] payload kid "k2" does not match the signing key kid "k1"',
    );
  });

  it('refuses a key that is not an Ed25519 private JWK, without echoing it', () => {
    const bad = { ...key('k1').privateJwk, d: 'not-a-key' };
    let message = '';
    try {
      issueApproval(payload(), { ...bad, crv: 'Ed448' as 'Ed25519' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      '[approval] signing key is not an Ed25519 private JWK (kty "OKP", crv "Ed25519", x, d)',
    );
    expect(() => issueApproval(payload(), { ...key('k1').publicJwk } as never)).toThrow(message);
  });
});
