import { createPrivateKey, sign } from 'node:crypto';
import canonicalize from 'canonicalize';
import { expect } from 'vitest';
import {
  type ApprovalError,
  type ApprovalPayload,
  type Ed25519PrivateJwk,
  generateSigningKey,
  issueApproval,
  type JwkSet,
  type SigningKeyPair,
  type VerifyApprovalContext,
  verifyApproval,
} from '../src/index.js';

/** A fixed clock for tests, Unix seconds (2025-06-15T15:06:40Z). */
export const NOW = 1_750_000_000;
export const SPEC_HASH: string = `sha256:${'a1'.repeat(32)}`;
export const OTHER_SPEC_HASH: string = `sha256:${'b2'.repeat(32)}`;

const keyCache = new Map<string, SigningKeyPair>();

/** A real Ed25519 key pair per kid, generated once per test file. */
export function key(kid: string): SigningKeyPair {
  let pair = keyCache.get(kid);
  if (!pair) {
    pair = generateSigningKey({ kid });
    keyCache.set(kid, pair);
  }
  return pair;
}

export function keySet(...kids: string[]): JwkSet {
  return { keys: kids.map((kid) => key(kid).publicJwk) };
}

/** A valid prod payload for SPEC_HASH, signed by `k1`, granting http_post and exec. */
export function payload(overrides: Partial<ApprovalPayload> = {}): ApprovalPayload {
  return {
    v: 1,
    kid: 'k1',
    org_id: 'org_1',
    project_id: 'proj_1',
    environment_id: 'env_prod',
    environment_posture: 'prod',
    spec_hash: SPEC_HASH,
    capabilities: ['http_post', 'exec'],
    issued_at: NOW - 60,
    expires_at: NOW + 3600,
    issued_by: 'alice@example.com',
    approval_id: 'appr_42',
    ...overrides,
  };
}

/** Issues a credential for `payload(overrides)` with the key named by its kid. */
export function credential(overrides: Partial<ApprovalPayload> = {}): string {
  const p = payload(overrides);
  return issueApproval(p, key(p.kid).privateJwk);
}

/** Signs ANY JSON value (even an invalid payload) the way an issuer would. */
export function forge(
  value: unknown,
  privateJwk: Ed25519PrivateJwk = key('k1').privateJwk,
): string {
  const bytes = Buffer.from(canonicalize(value) ?? '', 'utf8');
  const pk = createPrivateKey({ key: { ...privateJwk }, format: 'jwk' });
  return `${bytes.toString('base64url')}.${sign(null, bytes, pk).toString('base64url')}`;
}

export function context(overrides: Partial<VerifyApprovalContext> = {}): VerifyApprovalContext {
  return {
    keySet: keySet('k1'),
    specHash: SPEC_HASH,
    posture: 'prod',
    requiredCapabilities: ['http_post'],
    now: NOW,
    ...overrides,
  };
}

/** Runs verifyApproval and returns the ApprovalError it must reject with. */
export async function rejection(
  cred: string,
  ctx: VerifyApprovalContext = context(),
): Promise<ApprovalError> {
  try {
    await verifyApproval(cred, ctx);
  } catch (error) {
    expect((error as Error).name).toBe('ApprovalError');
    return error as ApprovalError;
  }
  throw new Error('expected verifyApproval to throw');
}
