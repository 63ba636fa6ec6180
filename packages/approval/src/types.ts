/** Environment posture of a runtime or a credential (reference section 5, decision 7). */
export type Posture = 'dev' | 'staging' | 'prod';

/** Every posture, in increasing order of strictness. */
export const POSTURES: readonly Posture[] = ['dev', 'staging', 'prod'];

/**
 * The signed payload of an approval credential, version 1 (reference section 5, decision 6).
 * Times are Unix seconds (integers). Field names are exactly those of the ByteOr credential spec.
 */
export interface ApprovalPayload {
  /** Credential format version; this package verifies `1` only. */
  readonly v: 1;
  /** Id of the signing key in the trusted key set (`kid` of a JWK). */
  readonly kid: string;
  readonly org_id: string;
  readonly project_id: string;
  readonly environment_id: string;
  /** The posture the approval is valid for; must equal the runtime posture. */
  readonly environment_posture: Posture;
  /** `sha256:` + 64 lower-case hex digits of the canonical spec bytes. */
  readonly spec_hash: string;
  /** Approved side-effect capabilities, e.g. `http_post`, `exec`. */
  readonly capabilities: readonly string[];
  /** Unix seconds. */
  readonly issued_at: number;
  /** Unix seconds; the credential is expired when `expires_at <= now`. */
  readonly expires_at: number;
  readonly issued_by: string;
  readonly approval_id: string;
}

/** An Ed25519 public key as an RFC 8037 OKP JWK, with the `kid` used to select it. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** The 32-byte public key, base64url without padding. */
  readonly x: string;
  readonly kid: string;
  /** `EdDSA` (RFC 8037) or the fully specified `Ed25519` (RFC 9864); optional. */
  readonly alg?: 'EdDSA' | 'Ed25519';
  readonly use?: 'sig';
}

/** An Ed25519 private key as an OKP JWK (`d` is the 32-byte seed). Development and tests only. */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  readonly d: string;
}

/** A JWK Set (RFC 7517) of trusted Ed25519 public keys: the shape of `signing_keys.json`. */
export interface JwkSet {
  readonly keys: readonly Ed25519PublicJwk[];
}

/**
 * Where the trusted keys came from, for the audit:
 * `control-plane` (refreshed, no local keys), `control-plane+local` (refreshed and merged over the
 * local cache), `local-cache` (files only: not configured, or the refresh failed).
 */
export type KeySource = 'control-plane' | 'local-cache' | 'control-plane+local';

/** A credential that passed all seven checks. */
export interface VerifiedApproval {
  readonly payload: ApprovalPayload;
  /** The `kid` of the key that verified the signature. */
  readonly kid: string;
  /** Where the trusted key set came from (echoed from the verification context). */
  readonly keySource: KeySource;
}
