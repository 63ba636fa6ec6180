import type { Posture, VerifiedApproval } from './types.js';

/** The four decisions of the ByteOr policy model (reference section 5, "Policy model"). */
export type PolicyDecisionKind = 'Allow' | 'DryRunOnly' | 'RequireApproval' | 'Deny';

/** Governed side-effect capabilities (decision 2): `http_post:*` and `exec:*` stages. */
export type SideEffectCapability = 'http_post' | 'exec';

/** A side-effecting stage of the spec. */
export interface SideEffectStage {
  /** Index of the stage in the spec (`single_ring.stages.N`). */
  readonly stageIndex: number;
  /** The stage key, e.g. `http_post:https://example.com/hook`. */
  readonly stage: string;
  readonly capability: SideEffectCapability;
}

/** The decision for one side-effecting stage, with a one-line reason. */
export interface StageDecision extends SideEffectStage {
  readonly decision: PolicyDecisionKind;
  readonly reason: string;
}

/** Inputs of `decidePolicy`. */
export interface DecidePolicyInput {
  readonly posture: Posture;
  readonly dryRun: boolean;
  readonly sideEffects: readonly SideEffectStage[];
  /** A credential that passed `verifyApproval`, or null (absent or rejected). */
  readonly approval: VerifiedApproval | null;
}

/** The policy outcome of a run. */
export interface PolicyDecision {
  /** False when any stage is `RequireApproval` or `Deny`: the run must refuse to start. */
  readonly ok: boolean;
  readonly posture: Posture;
  readonly dryRun: boolean;
  /** True when the policy can block side effects in this run: staging/prod, or a dry run. */
  readonly enforced: boolean;
  readonly stages: readonly StageDecision[];
  /** Capabilities the side-effecting stages need, unique, in first-use order. */
  readonly requiredCapabilities: readonly string[];
  /** Required capabilities no verified approval grants (empty in dev and in dry runs). */
  readonly missingCapabilities: readonly string[];
  /** One line: why the run may start, or the first refused stage and why. */
  readonly summary: string;
}

/** The unique capabilities of the side-effecting stages, in first-use order. */
export function requiredCapabilities(sideEffects: readonly SideEffectStage[]): string[] {
  return [...new Set(sideEffects.map((s) => s.capability))];
}

function decideStage(input: DecidePolicyInput, stage: SideEffectStage): StageDecision {
  const { posture, approval } = input;
  if (input.dryRun) {
    return {
      ...stage,
      decision: 'DryRunOnly',
      reason: 'dry run: the side effect is not performed',
    };
  }
  if (posture === 'dev') {
    return { ...stage, decision: 'Allow', reason: 'dev posture allows side effects' };
  }
  const covers =
    approval !== null &&
    approval.payload.environment_posture === posture &&
    approval.payload.capabilities.includes(stage.capability);
  if (covers) {
    const reason = `approval ${approval.payload.approval_id} grants ${stage.capability}`;
    return { ...stage, decision: 'Allow', reason };
  }
  const why = approval
    ? `approval ${approval.payload.approval_id} does not grant it`
    : 'no verified approval';
  return {
    ...stage,
    decision: 'RequireApproval',
    reason: `${posture} posture requires an approval granting ${stage.capability} (${why})`,
  };
}

/**
 * Decides each side-effecting stage (reference section 5, decision 7): a dry run gives
 * `DryRunOnly`; `dev` gives `Allow`; `staging`/`prod` give `Allow` when a verified approval grants
 * the stage's capability, else `RequireApproval`, and the run refuses (`ok: false`). `Deny` is part
 * of the model but no v1 rule produces it. Stages without side effects are not listed. Pure.
 */
export function decidePolicy(input: DecidePolicyInput): PolicyDecision {
  const stages = input.sideEffects.map((stage) => decideStage(input, stage));
  const refused = stages.find((s) => s.decision === 'RequireApproval' || s.decision === 'Deny');
  const missing = requiredCapabilities(stages.filter((s) => s.decision === 'RequireApproval'));
  let summary: string;
  if (refused) {
    summary = `run refused: stage ${refused.stageIndex} (${refused.stage}): ${refused.reason}`;
  } else if (stages.length === 0) {
    summary = 'no side-effecting stages';
  } else {
    summary = input.dryRun
      ? `dry run: ${stages.length} side-effecting stage(s) not performed`
      : `${stages.length} side-effecting stage(s) allowed`;
  }
  return {
    ok: refused === undefined,
    posture: input.posture,
    dryRun: input.dryRun,
    enforced: input.posture !== 'dev' || input.dryRun,
    stages,
    requiredCapabilities: requiredCapabilities(input.sideEffects),
    missingCapabilities: missing,
    summary,
  };
}
