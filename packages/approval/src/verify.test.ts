import { isEdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import {
  context,
  credential,
  forge,
  key,
  keySet,
  NOW,
  OTHER_SPEC_HASH,
  payload,
  rejection,
  SPEC_HASH,
} from '../test/fixtures.js';
import { APPROVAL_CHECKS, isApprovalError, verifyApproval } from './index.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const SIG = Buffer.alloc(64, 7).toString('base64url');

describe('verifyApproval: a valid credential', () => {
  it('returns the payload, the kid and the key source', async () => {
    const verified = await verifyApproval(
      credential(),
      context({ keySource: 'control-plane+local' }),
    );
    expect(verified).toEqual({ payload: payload(), kid: 'k1', keySource: 'control-plane+local' });
  });

  it('defaults keySource to local-cache and ignores surrounding whitespace', async () => {
    expect((await verifyApproval(`  ${credential()}\n`, context())).keySource).toBe('local-cache');
  });
});

describe('check 1: decode', () => {
  const cases: Array<[string, string, string]> = [
    ['one part', 'abc', 'expected 2 dot-separated parts (<payload>.<signature>), got 1'],
    [
      'three parts (a JWS)',
      'a.b.c',
      'expected 2 dot-separated parts (<payload>.<signature>), got 3',
    ],
    ['empty string', '', 'expected 2 dot-separated parts (<payload>.<signature>), got 1'],
    ['padded base64', `${b64(payload())}==.${SIG}`, 'payload part is not base64url'],
    ['standard base64 alphabet', `ab+/.${SIG}`, 'payload part is not base64url'],
    ['bad signature encoding', `${b64(payload())}.a*b`, 'signature part is not base64url'],
    [
      'payload not JSON',
      `${Buffer.from('{nope').toString('base64url')}.${SIG}`,
      'payload is not UTF-8 JSON',
    ],
    ['payload an array', `${b64([1])}.${SIG}`, 'payload is not a JSON object'],
    ['payload null', `${b64(null)}.${SIG}`, 'payload is not a JSON object'],
    [
      'short signature',
      `${b64(payload())}.${Buffer.alloc(10).toString('base64url')}`,
      'signature is 10 bytes, an Ed25519 signature is 64',
    ],
    ['no kid', `${b64({ ...payload(), kid: undefined })}.${SIG}`, 'payload field `kid` is missing'],
    ['no v', `${b64({ ...payload(), v: undefined })}.${SIG}`, 'payload field `v` is missing'],
    [
      'missing v1 field',
      `${b64({ ...payload(), spec_hash: undefined })}.${SIG}`,
      'payload field `spec_hash` is missing',
    ],
    [
      'ill-typed time',
      `${b64({ ...payload(), issued_at: '2025-01-01' })}.${SIG}`,
      'payload field `issued_at` must be an integer (Unix seconds)',
    ],
    [
      'fractional time',
      `${b64({ ...payload(), expires_at: NOW + 0.5 })}.${SIG}`,
      'payload field `expires_at` must be an integer (Unix seconds)',
    ],
    [
      'bad posture',
      `${b64({ ...payload(), environment_posture: 'qa' })}.${SIG}`,
      'payload field `environment_posture` must be "dev", "staging" or "prod"',
    ],
    [
      'bad hash',
      `${b64({ ...payload(), spec_hash: 'sha256:ABC' })}.${SIG}`,
      'payload field `spec_hash` must be "sha256:" followed by 64 lower-case hex digits',
    ],
    [
      'bad capability',
      `${b64({ ...payload(), capabilities: ['exec', 3] })}.${SIG}`,
      'payload field `capabilities.1` must be a non-empty string',
    ],
  ];
  it.each(cases)('%s', async (_name, cred, detail) => {
    const error = await rejection(cred);
    expect(error.reason).toBe('decode');
    expect(error.check).toBe(1);
    expect(error.code).toBe('unauthenticated');
    expect(error.component).toBe('approval');
    expect(error.message).toBe(`[approval] cannot decode credential: ${detail}`);
  });

  it('rejects a lone surrogate (not canonicalisable) as decode', async () => {
    const text = `{"v":1,"kid":"k1","x":"\\ud800"}`;
    const error = await rejection(`${Buffer.from(text).toString('base64url')}.${SIG}`);
    expect(error.message).toBe(
      '[approval] cannot decode credential: payload cannot be canonicalised (RFC 8785), e.g. it holds a lone surrogate',
    );
  });

  it('rejects non-canonical base64url trailing bits', async () => {
    const good = credential();
    const [p = '', s = ''] = good.split('.');
    // The last char of a 64-byte signature carries 4 unused bits; setting one makes it non-canonical.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[alphabet.indexOf(s.at(-1) ?? 'A') + 1];
    expect((await rejection(`${p}.${s.slice(0, -1)}${last}`)).message).toBe(
      '[approval] cannot decode credential: signature part is not base64url',
    );
  });
});

describe('check 2: signature', () => {
  it('rejects a tampered payload', async () => {
    const [, sig] = credential().split('.');
    const tampered = `${b64(payload({ capabilities: ['http_post', 'exec', 'everything'] }))}.${sig}`;
    const error = await rejection(tampered);
    expect([error.reason, error.check, error.code]).toEqual(['signature', 2, 'unauthenticated']);
    expect(error.message).toBe('[approval] signature does not verify against trusted key "k1"');
    expect(error.details?.signature_problem).toBe('bad-signature');
    expect(error.approvalId).toBe('appr_42');
  });

  it('rejects a tampered signature', async () => {
    const [p, s = ''] = credential().split('.');
    const bytes = Buffer.from(s, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    const error = await rejection(`${p}.${bytes.toString('base64url')}`);
    expect(error.message).toBe('[approval] signature does not verify against trusted key "k1"');
  });

  it('rejects an unknown kid, naming it and the trusted kids', async () => {
    const error = await rejection(
      credential({ kid: 'k9' }),
      context({ keySet: keySet('k1', 'k2') }),
    );
    expect(error.reason).toBe('signature');
    expect(error.message).toBe('[approval] unknown signing key "k9" (trusted kids: "k1", "k2")');
    expect(error.details).toMatchObject({
      signature_problem: 'unknown-kid',
      trusted_kids: ['k1', 'k2'],
    });
  });

  it('says when the trusted key set is empty', async () => {
    const error = await rejection(credential(), context({ keySet: { keys: [] } }));
    expect(error.message).toBe(
      '[approval] unknown signing key "k1" (the trusted key set is empty)',
    );
  });

  it('escapes a hostile kid in the message', async () => {
    const error = await rejection(forge({ ...payload(), kid: 'evil\nkid' }), context());
    expect(error.message).toBe('[approval] unknown signing key "evil\\nkid" (trusted kids: "k1")');
  });

  it('rejects a signature made by another key under a trusted kid', async () => {
    const cred = forge(payload(), { ...key('k2').privateJwk, kid: 'k1' });
    expect((await rejection(cred)).message).toBe(
      '[approval] signature does not verify against trusted key "k1"',
    );
  });

  it('runs before the version check: an unsigned v2 payload is a signature failure', async () => {
    expect((await rejection(`${b64({ v: 2, kid: 'k1' })}.${SIG}`)).reason).toBe('signature');
  });
});

describe('check 3: version', () => {
  it('rejects a signed v2 credential', async () => {
    const error = await rejection(forge({ v: 2, kid: 'k1', approval_id: 'appr_v2' }));
    expect([error.reason, error.check, error.code]).toEqual(['version', 3, 'unauthenticated']);
    expect(error.message).toBe(
      '[approval] unsupported credential version 2 (this verifier supports 1)',
    );
    expect(error.approvalId).toBe('appr_v2');
  });

  it('rejects a string version', async () => {
    expect((await rejection(forge({ ...payload(), v: '1' }))).message).toBe(
      '[approval] unsupported credential version "1" (this verifier supports 1)',
    );
  });
});

describe('checks 4-7', () => {
  it('4 spec_hash names both hashes', async () => {
    const error = await rejection(credential({ spec_hash: OTHER_SPEC_HASH }));
    expect([error.reason, error.check, error.code]).toEqual(['spec_hash', 4, 'permission-denied']);
    expect(error.message).toBe(
      `[approval] spec hash mismatch: the credential approves ${OTHER_SPEC_HASH}, the spec being run is ${SPEC_HASH}`,
    );
  });

  it('5 environment names both postures', async () => {
    const error = await rejection(credential({ environment_posture: 'staging' }));
    expect([error.reason, error.check, error.code]).toEqual([
      'environment',
      5,
      'permission-denied',
    ]);
    expect(error.message).toBe(
      '[approval] environment posture mismatch: the credential is for "staging", the runtime posture is "prod"',
    );
  });

  it('6 expired: expires_at <= now', async () => {
    const error = await rejection(credential({ expires_at: NOW }));
    expect([error.reason, error.check, error.code]).toEqual(['expired', 6, 'permission-denied']);
    expect(error.message).toBe(
      `[approval] credential expired at 2025-06-15T15:06:40Z (expires_at ${NOW}, now ${NOW})`,
    );
    expect((await verifyApproval(credential({ expires_at: NOW + 1 }), context())).kid).toBe('k1');
  });

  it('6 expired: issued_at more than 300 s in the future', async () => {
    const error = await rejection(credential({ issued_at: NOW + 301 }));
    expect(error.reason).toBe('expired');
    expect(error.message).toBe(
      '[approval] credential is not valid yet: issued_at 2025-06-15T15:11:41Z is 301 s in the future (allowed clock skew 300 s)',
    );
    expect((await verifyApproval(credential({ issued_at: NOW + 300 }), context())).kid).toBe('k1');
  });

  it('7 capabilities names the missing ones and the granted ones', async () => {
    const error = await rejection(
      credential({ capabilities: ['http_post'] }),
      context({ requiredCapabilities: ['http_post', 'exec', 'exec'] }),
    );
    expect([error.reason, error.check, error.code]).toEqual([
      'capabilities',
      7,
      'permission-denied',
    ]);
    expect(error.message).toBe(
      '[approval] missing capabilities: exec (the credential grants: http_post)',
    );
    expect(error.details?.missing).toEqual(['exec']);
  });

  it('7 capabilities with none granted', async () => {
    expect((await rejection(credential({ capabilities: [] }))).message).toBe(
      '[approval] missing capabilities: http_post (the credential grants: none)',
    );
  });
});

describe('check order', () => {
  it('reports the first failing check when several fail', async () => {
    const all = {
      spec_hash: OTHER_SPEC_HASH,
      environment_posture: 'dev',
      expires_at: NOW - 1,
      capabilities: [],
    } as const;
    const expected = ['spec_hash', 'environment', 'expired', 'capabilities'];
    const fixes: Array<Record<string, unknown>> = [
      {},
      { spec_hash: SPEC_HASH },
      { environment_posture: 'prod' },
      { expires_at: NOW + 10 },
    ];
    let overrides: Record<string, unknown> = { ...all };
    for (const [i, reason] of expected.entries()) {
      overrides = { ...overrides, ...fixes[i] };
      expect((await rejection(credential(overrides))).reason).toBe(reason);
    }
    expect(APPROVAL_CHECKS).toEqual([
      'decode',
      'signature',
      'version',
      'spec_hash',
      'environment',
      'expired',
      'capabilities',
    ]);
  });

  it('errors are branded EdgeplaneErrors with a hint', async () => {
    const error = await rejection(credential({ expires_at: NOW }));
    expect(isEdgeplaneError(error)).toBe(true);
    expect(isApprovalError(error)).toBe(true);
    expect(error.hint).toBe('issue a new approval (or check the clock of this host)');
  });

  it('rejects an unknown runtime posture as invalid-input', async () => {
    const ctx = context({ posture: 'qa' as 'prod' });
    await expect(verifyApproval(credential(), ctx)).rejects.toThrow(
      '[approval] unknown runtime posture "qa" (expected dev, staging or prod)',
    );
  });

  it('a trusted key that is not a usable Ed25519 key is invalid-config (jose import fails)', async () => {
    // Bypasses parseKeySet (which would refuse a short `x`) to reach jose's importJWK.
    const ctx = context({ keySet: { keys: [{ ...key('k1').publicJwk, x: 'AAAA' }] } });
    const error = await verifyApproval(credential(), ctx).catch((e: unknown) => e);
    expect(isEdgeplaneError(error) && [error.code, error.message, error.details]).toEqual([
      'invalid-config',
      '[approval] trusted key "k1" is not a usable Ed25519 public key',
      { kid: 'k1', import_error: 'DataError' },
    ]);
  });

  it('never throws synchronously: every failure is a rejected promise', () => {
    const pending = verifyApproval('not a credential', context());
    expect(pending).toBeInstanceOf(Promise);
    return expect(pending).rejects.toMatchObject({ reason: 'decode' });
  });
});

describe('JCS canonicalisation', () => {
  it('verifies a payload sent with keys in another order and extra whitespace', async () => {
    const [, sig] = credential().split('.');
    const reordered = Object.fromEntries(Object.entries(payload()).reverse());
    const text = JSON.stringify(reordered, null, 2);
    expect(text.startsWith('{\n  "approval_id"')).toBe(true);
    const cred = `${Buffer.from(text).toString('base64url')}.${sig}`;
    expect((await verifyApproval(cred, context())).payload).toEqual(payload());
  });

  it('signs exactly the RFC 8785 bytes', () => {
    const [p = ''] = credential().split('.');
    const text = Buffer.from(p, 'base64url').toString('utf8');
    expect(
      text.startsWith(
        '{"approval_id":"appr_42","capabilities":["http_post","exec"],"environment_id"',
      ),
    ).toBe(true);
    expect(text).not.toContain(' ');
  });
});

describe('key rotation', () => {
  const oldCred = () => credential({ kid: 'old' });
  const newCred = () => credential({ kid: 'new' });

  it('two active keys both verify', async () => {
    const ctx = context({ keySet: keySet('old', 'new') });
    expect((await verifyApproval(oldCred(), ctx)).kid).toBe('old');
    expect((await verifyApproval(newCred(), ctx)).kid).toBe('new');
  });

  it('after the old key is removed, its credentials fail as unknown kid and new ones verify', async () => {
    const ctx = context({ keySet: keySet('new') });
    const error = await rejection(oldCred(), ctx);
    expect(error.reason).toBe('signature');
    expect(error.message).toBe('[approval] unknown signing key "old" (trusted kids: "new")');
    expect((await verifyApproval(newCred(), ctx)).kid).toBe('new');
  });

  it('a kid re-bound to another key no longer verifies old credentials', async () => {
    const ctx = context({ keySet: { keys: [{ ...key('other').publicJwk, kid: 'old' }] } });
    expect((await rejection(oldCred(), ctx)).message).toBe(
      '[approval] signature does not verify against trusted key "old"',
    );
  });
});
