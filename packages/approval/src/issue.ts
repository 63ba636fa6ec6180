import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { EdgeplaneError } from '@edgeplane/errors';
import { canonicalBytes, encodeBase64url } from './codec.js';
import { COMPONENT } from './errors.js';
import { approvalPayloadV1 } from './payload.js';
import type { ApprovalPayload, Ed25519PrivateJwk, Ed25519PublicJwk } from './types.js';

/** A freshly generated Ed25519 signing key, as JWKs. */
export interface SigningKeyPair {
  /** Keep secret: holds `d`. Used by `issueApproval`. */
  readonly privateJwk: Ed25519PrivateJwk;
  /** Put this one in `signing_keys.json` (`{"keys":[publicJwk]}`). */
  readonly publicJwk: Ed25519PublicJwk;
}

/**
 * Generates an Ed25519 key pair for development and tests (production keys live in the control
 * plane). Both JWKs carry `kid`, `alg: "EdDSA"` and `use: "sig"`.
 *
 * @example
 * const { privateJwk, publicJwk } = generateSigningKey({ kid: 'dev-2024-01' });
 * await writeFile('signing_keys.json', JSON.stringify({ keys: [publicJwk] }));
 */
export function generateSigningKey(options: { readonly kid: string }): SigningKeyPair {
  if (typeof options.kid !== 'string' || options.kid === '') {
    throw new EdgeplaneError('invalid-input', COMPONENT, 'missing required option `kid`');
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new EdgeplaneError(
      'internal',
      COMPONENT,
      'node:crypto exported an incomplete Ed25519 JWK',
    );
  }
  const publicJwk: Ed25519PublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: jwk.x,
    kid: options.kid,
    alg: 'EdDSA',
    use: 'sig',
  };
  return { privateJwk: { ...publicJwk, d: jwk.d }, publicJwk };
}

/**
 * Issues a credential: `base64url(JCS(payload)).base64url(Ed25519(JCS(payload)))`
 * (RFC 8785 canonical JSON, decision 6). Times in `payload` are Unix seconds.
 *
 * Throws `EdgeplaneError` `invalid-input` when `payload` is not a valid v1 payload or its `kid`
 * differs from the key's `kid`, and `invalid-config` when `privateJwk` is not an Ed25519 private
 * JWK. Messages never contain key material.
 *
 * @example
 * const now = Math.floor(Date.now() / 1000);
 * const credential = issueApproval({ v: 1, kid: 'dev-2024-01', ..., issued_at: now,
 *   expires_at: now + 3600 }, privateJwk);
 */
export function issueApproval(payload: ApprovalPayload, privateJwk: Ed25519PrivateJwk): string {
  const parsed = approvalPayloadV1.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'payload';
    throw new EdgeplaneError(
      'invalid-input',
      COMPONENT,
      `invalid approval payload: \`${field}\` ${issue?.message}`,
    );
  }
  if (privateJwk.kid !== undefined && privateJwk.kid !== payload.kid) {
    throw new EdgeplaneError(
      'invalid-input',
      COMPONENT,
      `payload kid ${JSON.stringify(payload.kid)} does not match the signing key kid ${JSON.stringify(privateJwk.kid)}`,
    );
  }
  const notEd25519 = 'signing key is not an Ed25519 private JWK (kty "OKP", crv "Ed25519", x, d)';
  if (
    privateJwk.kty !== 'OKP' ||
    privateJwk.crv !== 'Ed25519' ||
    typeof privateJwk.d !== 'string'
  ) {
    throw new EdgeplaneError('invalid-config', COMPONENT, notEd25519);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey({
      key: { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, d: privateJwk.d },
      format: 'jwk',
    });
  } catch {
    throw new EdgeplaneError('invalid-config', COMPONENT, notEd25519);
  }
  // Sign the payload as given (extra fields included), so what is signed is what is sent.
  const bytes = canonicalBytes(payload);
  return `${encodeBase64url(bytes)}.${encodeBase64url(sign(null, bytes, key))}`;
}
