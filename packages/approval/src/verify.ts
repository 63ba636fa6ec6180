import { KeyObject, verify } from 'node:crypto';
import { EdgeplaneError, printable } from '@edgeplane/errors';
import { importJWK } from 'jose';
import { ApprovalError, type ApprovalErrorContext, COMPONENT, keyImportError } from './errors.js';
import { type DecodedCredential, decodeCredential } from './payload.js';
import {
  type ApprovalPayload,
  type JwkSet,
  type KeySource,
  POSTURES,
  type Posture,
  type VerifiedApproval,
} from './types.js';

type ApprovalIds = Pick<ApprovalErrorContext, 'kid' | 'approvalId'>;

/** How far `issued_at` may lie in the future before check 6 rejects it (seconds). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** What a credential is verified against. */
export interface VerifyApprovalContext {
  /** The trusted keys; the credential's `kid` selects one. */
  readonly keySet: JwkSet;
  /** `sha256:<hex>` of the canonical spec being run. */
  readonly specHash: string;
  /** The runtime posture (`--environment=` / `BYTEOR_ENVIRONMENT_POSTURE`). */
  readonly posture: Posture;
  /** Capabilities the spec's side-effecting stages need, e.g. `['http_post']`. */
  readonly requiredCapabilities: readonly string[];
  /** Current time in Unix seconds; defaults to the system clock. */
  readonly now?: number;
  /** Where `keySet` came from, echoed into the result for the audit; default `local-cache`. */
  readonly keySource?: KeySource;
}

/** Quotes untrusted text for a message: JSON-escaped (no control characters), at most 80 chars. */
/** `value` as JSON, with C1/DEL/bidi controls escaped and cut to 80 characters (`printable`). */
function quote(value: unknown): string {
  return printable(JSON.stringify(value) ?? String(value));
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

/**
 * Imports a trusted JWK with jose (`importJWK(jwk, 'EdDSA')`). jose 6 returns a WebCrypto
 * `CryptoKey` on every runtime; `KeyObject.from` turns it into the `KeyObject` that
 * `node:crypto.verify` takes. Only the public members are passed, so a stray `key_ops` or `ext` in
 * the file cannot change what the key may do.
 */
async function importKey(jwk: JwkSet['keys'][number]): Promise<KeyObject> {
  try {
    const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, jwk.alg ?? 'EdDSA');
    if (key instanceof Uint8Array) throw new TypeError('jose imported a symmetric key');
    return KeyObject.from(key);
  } catch (cause) {
    throw keyImportError(cause, jwk.kid);
  }
}

/** Check 2: the signature verifies against the trusted key named by `kid`. */
async function checkSignature(
  decoded: DecodedCredential,
  keySet: JwkSet,
  ids: ApprovalIds,
): Promise<void> {
  const key = keySet.keys.findLast((candidate) => candidate.kid === decoded.kid);
  if (!key) {
    const kids = keySet.keys.map((k) => quote(k.kid));
    const known = kids.length ? `trusted kids: ${kids.join(', ')}` : 'the trusted key set is empty';
    throw new ApprovalError('signature', `unknown signing key ${quote(decoded.kid)} (${known})`, {
      ...ids,
      details: { signature_problem: 'unknown-kid', trusted_kids: keySet.keys.map((k) => k.kid) },
    });
  }
  if (!verify(null, decoded.canonical, await importKey(key), decoded.signature)) {
    throw new ApprovalError(
      'signature',
      `signature does not verify against trusted key ${quote(decoded.kid)}`,
      { ...ids, details: { signature_problem: 'bad-signature' } },
    );
  }
}

/** Checks 4-7 on an authentic v1 payload. */
function checkScope(p: ApprovalPayload, context: VerifyApprovalContext, ids: ApprovalIds): void {
  if (p.spec_hash !== context.specHash) {
    throw new ApprovalError(
      'spec_hash',
      `spec hash mismatch: the credential approves ${printable(p.spec_hash)}, the spec being run is ${context.specHash}`,
      { ...ids, details: { expected: context.specHash, actual: p.spec_hash } },
    );
  }
  if (p.environment_posture !== context.posture) {
    throw new ApprovalError(
      'environment',
      `environment posture mismatch: the credential is for "${p.environment_posture}", the runtime posture is "${context.posture}"`,
      { ...ids, details: { expected: context.posture, actual: p.environment_posture } },
    );
  }
  const now = context.now ?? Math.floor(Date.now() / 1000);
  if (p.expires_at <= now) {
    throw new ApprovalError(
      'expired',
      `credential expired at ${iso(p.expires_at)} (expires_at ${p.expires_at}, now ${now})`,
      { ...ids, details: { expires_at: p.expires_at, now } },
    );
  }
  if (p.issued_at > now + MAX_CLOCK_SKEW_SECONDS) {
    throw new ApprovalError(
      'expired',
      `credential is not valid yet: issued_at ${iso(p.issued_at)} is ${p.issued_at - now} s in the future (allowed clock skew ${MAX_CLOCK_SKEW_SECONDS} s)`,
      { ...ids, details: { issued_at: p.issued_at, now } },
    );
  }
  const missing = [...new Set(context.requiredCapabilities)].filter(
    (c) => !p.capabilities.includes(c),
  );
  if (missing.length > 0) {
    const granted = p.capabilities.length ? p.capabilities.join(', ') : 'none';
    throw new ApprovalError(
      'capabilities',
      `missing capabilities: ${missing.join(', ')} (the credential grants: ${granted})`,
      { ...ids, details: { missing, granted: [...p.capabilities] } },
    );
  }
}

/**
 * Verifies an approval credential (`base64url(payload).base64url(signature)`, reference section 5,
 * decision 6) and runs the seven rejection checks in order: 1 `decode`, 2 `signature`,
 * 3 `version`, 4 `spec_hash`, 5 `environment`, 6 `expired` (also `issued_at` more than
 * `MAX_CLOCK_SKEW_SECONDS` in the future), 7 `capabilities`.
 *
 * Surrounding whitespace of `credential` is ignored. Throws `ApprovalError` (code
 * `unauthenticated` for checks 1-3, `permission-denied` for 4-7) with `reason` and `check`; throws
 * `EdgeplaneError` `invalid-input` for a bad `context.posture` and `invalid-config` for a trusted
 * key that is not a usable Ed25519 key. Messages never contain the credential or key material.
 *
 * Asynchronous because the trusted key is imported with jose's `importJWK`, which is; the signature
 * itself is checked with `node:crypto.verify` over the exact JCS payload bytes. Every rejection is a
 * rejected promise (never a synchronous throw).
 */
export async function verifyApproval(
  credential: string,
  context: VerifyApprovalContext,
): Promise<VerifiedApproval> {
  if (!POSTURES.includes(context.posture)) {
    throw new EdgeplaneError(
      'invalid-input',
      COMPONENT,
      `unknown runtime posture ${quote(context.posture)} (expected dev, staging or prod)`,
    );
  }
  const decoded = decodeCredential(typeof credential === 'string' ? credential : '');
  const ids: ApprovalIds = {
    kid: decoded.kid,
    approvalId: typeof decoded.raw.approval_id === 'string' ? decoded.raw.approval_id : undefined,
  };
  await checkSignature(decoded, context.keySet, ids);
  if (!decoded.payload) {
    throw new ApprovalError(
      'version',
      `unsupported credential version ${quote(decoded.raw.v)} (this verifier supports 1)`,
      { ...ids, details: { version: decoded.raw.v } },
    );
  }
  checkScope(decoded.payload, context, ids);
  return {
    payload: decoded.payload,
    kid: decoded.kid,
    keySource: context.keySource ?? 'local-cache',
  };
}
