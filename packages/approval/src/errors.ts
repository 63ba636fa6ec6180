import { EdgeplaneError, type ErrorCode, isEdgeplaneError, printable } from '@edgeplane/errors';

/** The component name in every error of this package: messages start with `[approval]`. */
export const COMPONENT = 'approval';

/**
 * Stable reason codes of the seven rejection checks, in the order they run
 * (reference section 5, decision 6). The audit and the error both show them.
 */
export type ApprovalReason =
  | 'decode'
  | 'signature'
  | 'version'
  | 'spec_hash'
  | 'environment'
  | 'expired'
  | 'capabilities';

/** The reasons in check order: `APPROVAL_CHECKS[n - 1]` is check `n`. */
export const APPROVAL_CHECKS: readonly ApprovalReason[] = [
  'decode',
  'signature',
  'version',
  'spec_hash',
  'environment',
  'expired',
  'capabilities',
];

/** Number of a check, 1 (decode) to 7 (capabilities). */
export type ApprovalCheck = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const HINTS: Readonly<Record<ApprovalReason, string>> = {
  decode: 'the credential must be `<payload>.<signature>`, both base64url, as issued',
  signature:
    'check the trusted key set (`signing_keys.json`, `--approval-key-set=`, or the control-plane refresh)',
  version: 'this runtime verifies credential version 1; issue a v1 credential',
  spec_hash: 'the approval covers another spec; approve this spec or run the approved one',
  environment: 'issue an approval for this posture, or run with the posture it was issued for',
  expired: 'issue a new approval (or check the clock of this host)',
  capabilities: 'issue an approval that grants every side-effect capability the spec uses',
};

/** Facts about the rejected credential that are safe to log: never the credential itself. */
export interface ApprovalErrorContext {
  readonly kid?: string;
  readonly approvalId?: string;
  /** Extra secret-free details (expected/actual hash, missing capabilities, trusted kids...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What `verifyApproval` rejects with when one of the seven checks fails.
 * Code `unauthenticated` for checks 1-3 (the credential cannot be trusted), `permission-denied`
 * for checks 4-7 (authentic, but does not allow this run). The message names what did not match
 * and never contains the credential, the signature or key material.
 */
export class ApprovalError extends EdgeplaneError {
  override readonly name: string = 'ApprovalError';
  readonly reason: ApprovalReason;
  readonly check: ApprovalCheck;
  /** `kid` of the credential, when it could be decoded. */
  readonly kid: string | undefined;
  /** `approval_id` of the credential, when it could be decoded. */
  readonly approvalId: string | undefined;

  constructor(reason: ApprovalReason, detail: string, context: ApprovalErrorContext = {}) {
    const check = (APPROVAL_CHECKS.indexOf(reason) + 1) as ApprovalCheck;
    const code: ErrorCode = check <= 3 ? 'unauthenticated' : 'permission-denied';
    super(code, COMPONENT, detail, {
      details: {
        reason,
        check,
        kid: context.kid,
        approval_id: context.approvalId,
        ...context.details,
      },
      hint: HINTS[reason],
    });
    this.reason = reason;
    this.check = check;
    this.kid = context.kid;
    this.approvalId = context.approvalId;
  }
}

/** Type guard for `ApprovalError` that works across duplicate installs. */
export function isApprovalError(value: unknown): value is ApprovalError {
  return (
    isEdgeplaneError(value) &&
    value.name === 'ApprovalError' &&
    typeof (value as ApprovalError).reason === 'string'
  );
}

/**
 * Maps a failure of jose's `importJWK` for a trusted key to `invalid-config`. jose errors are keyed
 * on their `code` string (`ERR_JOSE_NOT_SUPPORTED`, `ERR_JWK_INVALID`, ...), WebCrypto's on their
 * `name` (`DataError` for bad key bytes or a curve/algorithm mismatch), never on message text or
 * `instanceof`. Pinned by verify.test.ts "a trusted key that is not a usable Ed25519 key".
 */
export function keyImportError(cause: unknown, kid: string): EdgeplaneError {
  const raw = cause as { code?: unknown; name?: unknown } | null;
  const joseCode = typeof raw?.code === 'string' && raw.code.startsWith('ERR_') ? raw.code : null;
  const problem = joseCode ?? (typeof raw?.name === 'string' ? raw.name : 'Error');
  const shown = printable(JSON.stringify(kid));
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `trusted key ${shown} is not a usable Ed25519 public key`,
    { cause, details: { kid, import_error: problem } },
  );
}
