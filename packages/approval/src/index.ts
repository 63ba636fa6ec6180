/**
 * Approval credentials for edgeplane: verification (the seven ordered rejection checks), trusted
 * key sets (`signing_keys.json`, JWK Set of Ed25519 keys), discovery next to the spec, the
 * control-plane signing-key refresh, development issuing, and the side-effect policy with its
 * audit record. See docs/guide/4.approvals.md and reference section 5 / decision 6.
 *
 * @module
 */
export type {
  ApprovalAudit,
  PolicyAuditInput,
  PolicyAuditRecord,
  StageDecisionAudit,
} from './audit.js';
export { policyAuditRecord } from './audit.js';
export { canonicalBytes } from './codec.js';
export type { ApprovalMaterial, CredentialSource, DiscoverApprovalOptions } from './discover.js';
export { APPROVAL_FILE_NAME, discoverApprovalMaterial, KEY_SET_FILE_NAME } from './discover.js';
export type { ApprovalCheck, ApprovalErrorContext, ApprovalReason } from './errors.js';
export { APPROVAL_CHECKS, ApprovalError, isApprovalError } from './errors.js';
export type { SigningKeyPair } from './issue.js';
export { generateSigningKey, issueApproval } from './issue.js';
export { EMPTY_KEY_SET, loadKeySet, mergeKeySets, parseKeySet } from './key-set.js';
export type {
  DecidePolicyInput,
  PolicyDecision,
  PolicyDecisionKind,
  SideEffectCapability,
  SideEffectStage,
  StageDecision,
} from './policy.js';
export { decidePolicy, requiredCapabilities } from './policy.js';
export type { RefreshKeySetOptions, RefreshResult } from './refresh.js';
export { DEFAULT_REFRESH_TIMEOUT_MS, refreshKeySet, signingKeysUrl } from './refresh.js';
export type { ResolveTrustOptions, TrustResolution } from './trust.js';
export { resolveTrust, TRUST_ENV_VARS } from './trust.js';
export type {
  ApprovalPayload,
  Ed25519PrivateJwk,
  Ed25519PublicJwk,
  JwkSet,
  KeySource,
  Posture,
  VerifiedApproval,
} from './types.js';
export { POSTURES } from './types.js';
export type { VerifyApprovalContext } from './verify.js';
export { MAX_CLOCK_SKEW_SECONDS, verifyApproval } from './verify.js';
