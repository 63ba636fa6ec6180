import { createStageResolver, type StageResolver } from '@edgeplane/adapter-loop';
import { evaluateGovernance, type Governance, parsePosture } from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import type { SingleRingSpec } from '@edgeplane/spec-kv';
import { actionStageFactories } from '@edgeplane/stages-action';
import { transformStages } from '@edgeplane/stages-transform';
import { str } from '../args.js';
import type { Io } from '../io.js';

/** Flags of the governed-run part of `run` (and `incident-bundle`). */
export const GOVERNANCE_FLAGS = {
  environment: {
    type: 'string',
    description:
      'environment posture: dev | staging | prod (default $BYTEOR_ENVIRONMENT_POSTURE, else dev)',
    placeholder: 'POSTURE',
  },
  'dry-run': {
    type: 'boolean',
    description: 'record side-effecting stages (http_post:, exec:) without performing them',
  },
  approval: {
    type: 'string',
    description:
      'approval credential: a file, or the credential itself (default approval.cred next to the spec)',
    placeholder: 'FILE|CRED',
  },
  'approval-key-set': {
    type: 'string',
    multiple: true,
    description: 'JWK Set file extending/overriding signing_keys.json next to the spec, by kid',
    placeholder: 'FILE',
  },
} as const;

/**
 * The stage resolver of a run: `identity`, the pure transform stages (`parse:<format>`, `filter`,
 * `map`, ...), the governed `http_post:` and `exec:` families, plus any stages the embedding
 * program adds (`io.stages`).
 */
export function runStages(io: Io, dryRun: boolean): StageResolver {
  return createStageResolver({
    ...transformStages,
    ...actionStageFactories(io.env, { dryRun }),
    ...io.stages,
  });
}

/**
 * The stage keys a spec may name, for verbs that load a spec without running it (describe, dot,
 * approval, snapshot, incident-bundle, the lane path): the same keys as `runStages`, without
 * reading the `BYTEOR_*` action variables (a bad one must not stop an incident bundle).
 */
export function specStages(): StageResolver {
  return createStageResolver({ ...transformStages, ...actionStageFactories({}) });
}

/**
 * Evaluates the policy for a spec (decision 7). Returns the governance outcome.
 * @throws EdgeplaneError `permission-denied` naming the failed check when the run must not start.
 */
export async function governRun(
  flags: Readonly<Record<string, unknown>>,
  io: Io,
  input: {
    specPath: string;
    spec: SingleRingSpec;
    specHash: string;
    lanePath: string;
    enforce: boolean;
  },
): Promise<Governance> {
  const governance = await evaluateGovernance({
    specPath: input.specPath,
    spec: input.spec,
    specHash: input.specHash,
    posture: parsePosture(str(flags, 'environment'), io.env),
    dryRun: flags['dry-run'] === true,
    cwd: io.cwd,
    env: io.env,
    approvalFlag: str(flags, 'approval'),
    keySetFlags: flags['approval-key-set'] as string[] | undefined,
    lanePath: input.lanePath,
  });
  if (input.enforce && !governance.decision.ok) {
    const why = governance.rejection
      ? `; the credential was rejected: ${governance.rejection.message}`
      : '';
    throw new EdgeplaneError('permission-denied', 'cli', `${governance.decision.summary}${why}`, {
      hint: 'issue an approval for this spec hash, posture and capabilities (edgeplane approval issue), pass it with --approval=, or use --dry-run',
      details: { check: (governance.rejection as { check?: number } | null)?.check ?? null },
    });
  }
  return governance;
}
