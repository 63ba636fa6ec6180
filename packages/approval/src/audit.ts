import { isEdgeplaneError } from '@edgeplane/errors';
import type { CredentialSource } from './discover.js';
import { type ApprovalReason, isApprovalError } from './errors.js';
import type { PolicyDecision, PolicyDecisionKind } from './policy.js';
import type { TrustResolution } from './trust.js';
import type { KeySource, Posture, VerifiedApproval } from './types.js';

/** Inputs of `policyAuditRecord`. Nothing here is a secret: pass no credential string. */
export interface PolicyAuditInput {
  readonly specPath: string;
  readonly lanePath?: string | null;
  /** Wait strategy, when known. */
  readonly wait?: string | null;
  readonly runtimeCrate: { readonly name: string; readonly version: string };
  /** Parsed spec summary (when parsing succeeded). */
  readonly spec?: Readonly<Record<string, unknown>>;
  /** Why the spec could not be parsed (instead of `spec`). */
  readonly specError?: string;
  readonly posture: Posture;
  readonly dryRun?: boolean;
  /** Default: `dry_run` for a dry run, else `execute`. */
  readonly mode?: string;
  /** The policy decision; null when the spec could not be parsed. */
  readonly decision: PolicyDecision | null;
  /** What happened to the credential: the verified approval, the error, or null (not verified). */
  readonly approval: {
    readonly credentialSource: CredentialSource;
    readonly result: VerifiedApproval | Error | null;
    readonly trust?: Pick<TrustResolution, 'keySource' | 'reason'> | null;
  };
}

/** The `approval` block of the audit record (an edgeplane addition). */
export interface ApprovalAudit {
  readonly present: boolean;
  readonly verified: boolean;
  readonly credential_source: CredentialSource;
  /** Reason code and check number of the rejection, null when verified or absent. */
  readonly reason: ApprovalReason | null;
  readonly check: number | null;
  /** The rejection message (secret-free by construction), null otherwise. */
  readonly message: string | null;
  readonly approval_id: string | null;
  readonly kid: string | null;
  readonly key_source: KeySource | null;
  readonly key_source_reason: string | null;
  /** Granted capabilities and expiry (Unix seconds) of a verified approval. */
  readonly capabilities: readonly string[] | null;
  readonly expires_at: number | null;
}

/** One stage decision in the audit record. */
export interface StageDecisionAudit {
  readonly stage_index: number;
  readonly stage: string;
  readonly capability: string;
  readonly decision: PolicyDecisionKind;
  readonly reason: string;
}

/**
 * `policy_audit.json`, "Policy audit record JSON v1" (reference section 3.1) plus the edgeplane
 * fields `posture`, `dry_run`, `approval`, `decisions` and `summary`.
 */
export interface PolicyAuditRecord {
  readonly ok: boolean;
  readonly policy_version: 1;
  readonly mode: string;
  readonly enforced: boolean;
  readonly stage_failure_policy: 'stop_pipeline';
  readonly spec_path: string;
  readonly lane_path: string | null;
  readonly wait: string | null;
  readonly runtime_crate: { readonly name: string; readonly version: string };
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly error?: string;
  readonly posture: Posture;
  readonly dry_run: boolean;
  readonly approval: ApprovalAudit;
  readonly decisions: readonly StageDecisionAudit[];
  readonly summary: string;
}

function approvalAudit(input: PolicyAuditInput['approval']): ApprovalAudit {
  const { result, trust } = input;
  const verified = result !== null && !(result instanceof Error);
  const rejected = isApprovalError(result) ? result : null;
  return {
    present: input.credentialSource !== null,
    verified,
    credential_source: input.credentialSource,
    reason: rejected?.reason ?? null,
    check: rejected?.check ?? null,
    // Only edgeplane errors are known to be secret-free; anything else is not echoed.
    message:
      result instanceof Error
        ? isEdgeplaneError(result)
          ? result.message
          : 'internal error'
        : null,
    approval_id: verified ? result.payload.approval_id : (rejected?.approvalId ?? null),
    kid: verified ? result.kid : (rejected?.kid ?? null),
    key_source: verified ? result.keySource : (trust?.keySource ?? null),
    key_source_reason: trust?.reason ?? null,
    capabilities: verified ? [...result.payload.capabilities] : null,
    expires_at: verified ? result.payload.expires_at : null,
  };
}

/**
 * Builds the `policy_audit.json` record of a run (reference section 3.1, decision 6). It never
 * holds the credential string, the signature or key material: only ids, reason codes and messages
 * built by this package. `ok` is false when the spec failed to parse or the policy refused the run.
 */
export function policyAuditRecord(input: PolicyAuditInput): PolicyAuditRecord {
  const dryRun = input.decision?.dryRun ?? input.dryRun ?? false;
  const decisions = (input.decision?.stages ?? []).map((s) => ({
    stage_index: s.stageIndex,
    stage: s.stage,
    capability: s.capability,
    decision: s.decision,
    reason: s.reason,
  }));
  return {
    ok: input.specError === undefined && (input.decision?.ok ?? false),
    policy_version: 1,
    mode: input.mode ?? (dryRun ? 'dry_run' : 'execute'),
    enforced: input.decision?.enforced ?? input.posture !== 'dev',
    stage_failure_policy: 'stop_pipeline',
    spec_path: input.specPath,
    lane_path: input.lanePath ?? null,
    wait: input.wait ?? null,
    runtime_crate: { name: input.runtimeCrate.name, version: input.runtimeCrate.version },
    ...(input.specError !== undefined ? { error: input.specError } : { spec: input.spec ?? {} }),
    posture: input.posture,
    dry_run: dryRun,
    approval: approvalAudit(input.approval),
    decisions,
    summary: input.specError ?? input.decision?.summary ?? 'no policy decision',
  };
}
