import {
  type ApprovalMaterial,
  decidePolicy,
  discoverApprovalMaterial,
  POSTURES,
  type PolicyAuditRecord,
  type PolicyDecision,
  type Posture,
  policyAuditRecord,
  resolveTrust,
  type SideEffectStage,
  type TrustResolution,
  type VerifiedApproval,
  verifyApproval,
} from '@edgeplane/approval';
import { EdgeplaneError } from '@edgeplane/errors';
import { type SingleRingSpec, stageCapability } from '@edgeplane/spec-kv';
import { RUNTIME } from './runtime.js';

/**
 * The environment posture (reference decision 7): `--environment=`, else
 * `BYTEOR_ENVIRONMENT_POSTURE`, else `dev`.
 * @throws EdgeplaneError `invalid-input` for any other value, naming where it came from.
 */
export function parsePosture(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Posture {
  const value = flag ?? env.BYTEOR_ENVIRONMENT_POSTURE ?? 'dev';
  if ((POSTURES as readonly string[]).includes(value)) return value as Posture;
  const from = flag !== undefined ? '--environment' : 'BYTEOR_ENVIRONMENT_POSTURE';
  throw new EdgeplaneError(
    'invalid-input',
    'app-kit',
    `${from} must be dev, staging or prod, got "${value}"`,
    {
      hint: `e.g. ${from === '--environment' ? '--environment=prod' : 'BYTEOR_ENVIRONMENT_POSTURE=prod'}`,
    },
  );
}

/** What `evaluateGovernance` needs. Paths resolve against `cwd`. */
export interface GovernanceInput {
  readonly specPath: string;
  readonly spec: SingleRingSpec;
  readonly specHash: string;
  readonly posture: Posture;
  readonly dryRun: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly approvalFlag?: string | undefined;
  readonly keySetFlags?: readonly string[] | undefined;
  readonly lanePath?: string | null | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** The policy outcome of a deployment, with the audit record (`policy_audit.json`). */
export interface Governance {
  readonly sideEffects: readonly SideEffectStage[];
  readonly decision: PolicyDecision;
  readonly approval: VerifiedApproval | null;
  /** Why the credential was rejected (an `ApprovalError`), when it was. */
  readonly rejection: Error | null;
  readonly trust: TrustResolution | null;
  readonly audit: PolicyAuditRecord;
}

/**
 * Decides whether a spec's governed side effects (`http_post:*`, `exec:*`, reference decision 2)
 * may run (reference section 5, decision 7): finds the approval material (decision 6 discovery),
 * refreshes the trust set from the control plane when configured, verifies the credential when
 * one is present, and runs the policy. Never throws for a rejected credential: the result says
 * so (`decision.ok === false`) and the audit names the failed check.
 * @throws EdgeplaneError `invalid-config` for an unreadable key set or a bad `--approval=` value.
 */
export async function evaluateGovernance(input: GovernanceInput): Promise<Governance> {
  const sideEffects: SideEffectStage[] = [];
  input.spec.stages.forEach((s, stageIndex) => {
    const capability = stageCapability(s.stage);
    if (capability) sideEffects.push({ stageIndex, stage: s.stage, capability });
  });
  const material: ApprovalMaterial = await discoverApprovalMaterial({
    specPath: input.specPath,
    approvalFlag: input.approvalFlag,
    keySetFlags: input.keySetFlags,
    cwd: input.cwd,
  });
  let trust: TrustResolution | null = null;
  let approval: VerifiedApproval | null = null;
  let rejection: Error | null = null;
  if (material.credential !== null) {
    trust = await resolveTrust({
      localKeySet: material.keySet,
      env: input.env,
      fetch: input.fetch,
    });
    try {
      approval = await verifyApproval(material.credential, {
        keySet: trust.keySet,
        keySource: trust.keySource,
        specHash: input.specHash,
        posture: input.posture,
        requiredCapabilities: [...new Set(sideEffects.map((s) => s.capability))],
      });
    } catch (error) {
      rejection = error as Error;
    }
  }
  const decision = decidePolicy({
    posture: input.posture,
    dryRun: input.dryRun,
    sideEffects,
    approval,
  });
  const audit = policyAuditRecord({
    specPath: input.specPath,
    lanePath: input.lanePath ?? null,
    runtimeCrate: RUNTIME,
    spec: {
      model: 'single_ring',
      name: input.spec.name,
      spec_hash: input.specHash,
      stages: input.spec.stages.map((s) => s.stage),
    },
    posture: input.posture,
    dryRun: input.dryRun,
    mode: 'adapter_loop',
    decision,
    approval: { credentialSource: material.credentialSource, result: approval ?? rejection, trust },
  });
  return { sideEffects, decision, approval, rejection, trust, audit };
}
