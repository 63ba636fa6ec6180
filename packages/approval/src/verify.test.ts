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
  it('returns the payload, the kid and the key source', () => {
    const verified = verifyApproval(credential(), context({ keySource: 'control-plane+local' }));
    expect(verified).toEqual({ payload: payload(), kid: 'k1', keySource: 'control-plane+local' });
  });

  it('defaults keySource to local-cache and ignores surrounding whitespace', () => {
    expect(verifyApproval(`  ${credential()}\n`, context()).keySource).toBe('local-cache');
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
  it.each(cases)('%s', (_name, cred, detail) => {
    const error = rejection(cred);
    expect(error.reason).toBe('decode');
    expect(error.check).toBe(1);
    expect(error.code).toBe('unauthenticated');
    expect(error.component).toBe('approval');
    expect(error.message).toBe(`[approval] cannot decode credential: ${detail}`);
  });

  it('rejects a lone surrogate (not canonicalisable) as decode', () => {
    const text = `{"v":1,"kid":"k1","x":"\\ud800"}`;
    const error = rejection(`${Buffer.from(text).toString('base64url')}.${SIG}`);
    expect(error.message).toBe(
      '[approval] cannot decode credential: payload cannot be canonicalised (RFC 8785), e.g. it holds a lone surrogate',
    );
  });

  it('rejects non-canonical base64url trailing bits', () => {
    const good = credential();
    const [p = '', s = ''] = good.split('.');
    // The last char of a 64-byte signature carries 4 unused bits; setting one makes it non-canonical.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[alphabet.indexOf(s.at(-1) ?? 'A') + 1];
    expect(rejection(`${p}.${s.slice(0, -1)}${last}`).message).toBe(
      '[approval] cannot decode credential: signature part is not base64url',
    );
  });
});

describe('check 2: signature', () => {
  it('rejects a tampered payload', () => {
    const [, sig] = credential().split('.');
    const tampered = `${b64(payload({ capabilities: ['http_post', 'exec', 'everything'] }))}.${sig}`;
    const error = rejection(tampered);
    expect([error.reason, error.check, error.code]).toEqual(['signature', 2, 'unauthenticated']);
    expect(error.message).toBe('[approval] signature does not verify against trusted key "k1"');
    expect(error.details?.signature_problem).toBe('bad-signature');
    expect(error.approvalId).toBe('appr_42');
  });

  it('rejects a tampered signature', () => {
    const [p, s = ''] = credential().split('.');
    const bytes = Buffer.from(s, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    const error = rejection(`${p}.${bytes.toString('base64url')}`);
    expect(error.message).toBe('[approval] signature does not verify against trusted key "k1"');
  });

  it('rejects an unknown kid, naming it and the trusted kids', () => {
    const error = rejection(credential({ kid: 'k9' }), context({ keySet: keySet('k1', 'k2') }));
    expect(error.reason).toBe('signature');
    expect(error.message).toBe('[approval] unknown signing key "k9" (trusted kids: "k1", "k2")');
    expect(error.details).toMatchObject({
      signature_problem: 'unknown-kid',
      trusted_kids: ['k1', 'k2'],
    });
  });

  it('says when the trusted key set is empty', () => {
    const error = rejection(credential(), context({ keySet: { keys: [] } }));
    expect(error.message).toBe(
      '[approval] unknown signing key "k1" (the trusted key set is empty)',
    );
  });

  it('escapes a hostile kid in the message', () => {
    const error = rejection(forge({ ...payload(), kid: 'evil\nkid' }), context());
    expect(error.message).toBe('[approval] unknown signing key "evil\\nkid" (trusted kids: "k1")');
  });

  it('rejects a signature made by another key under a trusted kid', () => {
    const cred = forge(payload(), { ...key('k2').privateJwk, kid: 'k1' });
    expect(rejection(cred).message).toBe(
      '[approval] signature does not verify against trusted key "k1"',
    );
  });

  it('runs before the version check: an unsigned v2 payload is a signature failure', () => {
    expect(rejection(`${b64({ v: 2, kid: 'k1' })}.${SIG}`).reason).toBe('signature');
  });
});

describe('check 3: version', () => {
  it('rejects a signed v2 credential', () => {
    const error = rejection(forge({ v: 2, kid: 'k1', approval_id: 'appr_v2' }));
    expect([error.reason, error.check, error.code]).toEqual(['version', 3, 'unauthenticated']);
    expect(error.message).toBe(
      '[approval] unsupported credential version 2 (this verifier supports 1)',
    );
    expect(error.approvalId).toBe('appr_v2');
  });

  it('rejects a string version', () => {
    expect(rejection(forge({ ...payload(), v: '1' })).message).toBe(
      '[approval] unsupported credential version "1" (this verifier supports 1)',
    );
  });
});

describe('checks 4-7', () => {
  it('4 spec_hash names both hashes', () => {
    const error = rejection(credential({ spec_hash: OTHER_SPEC_HASH }));
    expect([error.reason, error.check, error.code]).toEqual(['spec_hash', 4, 'permission-denied']);
    expect(error.message).toBe(
      `[approval] spec hash mismatch: the credential approves ${OTHER_SPEC_HASH}, the spec being run is ${SPEC_HASH}`,
    );
  });

  it('5 environment names both postures', () => {
    const error = rejection(credential({ environment_posture: 'staging' }));
    expect([error.reason, error.check, error.code]).toEqual([
      'environment',
      5,
      'permission-denied',
    ]);
    expect(error.message).toBe(
      '[approval] environment posture mismatch: the credential is for "staging", the runtime posture is "prod"',
    );
  });

  it('6 expired: expires_at <= now', () => {
    const error = rejection(credential({ expires_at: NOW }));
    expect([error.reason, error.check, error.code]).toEqual(['expired', 6, 'permission-denied']);
    expect(error.message).toBe(
      `[approval] credential expired at 2025-06-15T15:06:40Z (expires_at ${NOW}, now ${NOW})`,
    );
    expect(verifyApproval(credential({ expires_at: NOW + 1 }), context()).kid).toBe('k1');
  });

  it('6 expired: issued_at more than 300 s in the future', () => {
    const error = rejection(credential({ issued_at: NOW + 301 }));
    expect(error.reason).toBe('expired');
    expect(error.message).toBe(
      '[approval] credential is not valid yet: issued_at 2025-06-15T15:11:41Z is 301 s in the future (allowed clock skew 300 s)',
    );
    expect(verifyApproval(credential({ issued_at: NOW + 300 }), context()).kid).toBe('k1');
  });

  it('7 capabilities names the missing ones and the granted ones', () => {
    const error = rejection(
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

  it('7 capabilities with none granted', () => {
    expect(rejection(credential({ capabilities: [] })).message).toBe(
      '[approval] missing capabilities: http_post (the credential grants: none)',
    );
  });
});

describe('check order', () => {
  it('reports the first failing check when several fail', () => {
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
    expected.forEach((reason, i) => {
      overrides = { ...overrides, ...fixes[i] };
      expect(rejection(credential(overrides)).reason).toBe(reason);
    });
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

  it('errors are branded EdgeplaneErrors with a hint', () => {
    const error = rejection(credential({ expires_at: NOW }));
    expect(isEdgeplaneError(error)).toBe(true);
    expect(isApprovalError(error)).toBe(true);
    expect(error.hint).toBe('issue a new approval (or check the clock of this host)');
  });

  it('rejects an unknown runtime posture as invalid-input', () => {
    const ctx = context({ posture: 'qa' as 'prod' });
    expect(() => verifyApproval(credential(), ctx)).toThrow(
      '[approval] unknown runtime posture "qa" (expected dev, staging or prod)',
    );
  });
});

describe('JCS canonicalisation', () => {
  it('verifies a payload sent with keys in another order and extra whitespace', () => {
    const [, sig] = credential().split('.');
    const reordered = Object.fromEntries(Object.entries(payload()).reverse());
    const text = JSON.stringify(reordered, null, 2);
    expect(text.startsWith('{\n  "approval_id"')).toBe(true);
    const cred = `${Buffer.from(text).toString('base64url')}.${sig}`;
    expect(verifyApproval(cred, context()).payload).toEqual(payload());
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

  it('two active keys both verify', () => {
    const ctx = context({ keySet: keySet('old', 'new') });
    expect(verifyApproval(oldCred(), ctx).kid).toBe('old');
    expect(verifyApproval(newCred(), ctx).kid).toBe('new');
  });

  it('after the old key is removed, its credentials fail as unknown kid and new ones verify', () => {
    const ctx = context({ keySet: keySet('new') });
    const error = rejection(oldCred(), ctx);
    expect(error.reason).toBe('signature');
    expect(error.message).toBe('[approval] unknown signing key "old" (trusted kids: "new")');
    expect(verifyApproval(newCred(), ctx).kid).toBe('new');
  });

  it('a kid re-bound to another key no longer verifies old credentials', () => {
    const ctx = context({ keySet: { keys: [{ ...key('other').publicJwk, kid: 'old' }] } });
    expect(rejection(oldCred(), ctx).message).toBe(
      '[approval] signature does not verify against trusted key "old"',
    );
  });
});
