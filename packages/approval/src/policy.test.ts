import { describe, expect, it } from 'vitest';
import { context, credential, NOW } from '../test/fixtures.js';
import { decidePolicy, type SideEffectStage, verifyApproval } from './index.js';

const HTTP: SideEffectStage = {
  stageIndex: 1,
  stage: 'http_post:https://example.com/hook',
  capability: 'http_post',
};
const EXEC: SideEffectStage = {
  stageIndex: 2,
  stage: 'exec:/bin/logger|-t|ep',
  capability: 'exec',
};

const verified = (capabilities: string[], posture: 'staging' | 'prod' = 'prod') =>
  verifyApproval(
    credential({ capabilities, environment_posture: posture }),
    context({ posture, requiredCapabilities: [], now: NOW }),
  );

describe('decidePolicy', () => {
  it('dev allows side effects without an approval', () => {
    const decision = decidePolicy({
      posture: 'dev',
      dryRun: false,
      sideEffects: [HTTP, EXEC],
      approval: null,
    });
    expect(decision.ok).toBe(true);
    expect(decision.enforced).toBe(false);
    expect(decision.stages.map((s) => s.decision)).toEqual(['Allow', 'Allow']);
    expect(decision.stages[0]?.reason).toBe('dev posture allows side effects');
    expect(decision.summary).toBe('2 side-effecting stage(s) allowed');
  });

  it.each(['staging', 'prod'] as const)(
    '%s without an approval requires one and refuses the run',
    (posture) => {
      const decision = decidePolicy({
        posture,
        dryRun: false,
        sideEffects: [HTTP],
        approval: null,
      });
      expect(decision).toMatchObject({
        ok: false,
        enforced: true,
        missingCapabilities: ['http_post'],
      });
      expect(decision.stages[0]).toEqual({
        ...HTTP,
        decision: 'RequireApproval',
        reason: `${posture} posture requires an approval granting http_post (no verified approval)`,
      });
      expect(decision.summary).toBe(
        `run refused: stage 1 (http_post:https://example.com/hook): ${posture} posture requires an approval granting http_post (no verified approval)`,
      );
    },
  );

  it('prod with a covering approval allows', async () => {
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP, EXEC],
      approval: await verified(['http_post', 'exec']),
    });
    expect(decision.ok).toBe(true);
    expect(decision.stages.map((s) => [s.decision, s.reason])).toEqual([
      ['Allow', 'approval appr_42 grants http_post'],
      ['Allow', 'approval appr_42 grants exec'],
    ]);
  });

  it('an approval that covers only some capabilities refuses the others', async () => {
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP, EXEC],
      approval: await verified(['http_post']),
    });
    expect(decision.ok).toBe(false);
    expect(decision.stages.map((s) => s.decision)).toEqual(['Allow', 'RequireApproval']);
    expect(decision.stages[1]?.reason).toBe(
      'prod posture requires an approval granting exec (approval appr_42 does not grant it)',
    );
    expect(decision.missingCapabilities).toEqual(['exec']);
    expect(decision.requiredCapabilities).toEqual(['http_post', 'exec']);
  });

  it('an approval for another posture does not cover', async () => {
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP],
      approval: await verified(['http_post'], 'staging'),
    });
    expect(decision.stages[0]?.decision).toBe('RequireApproval');
  });

  it('a dry run gives DryRunOnly for side-effecting stages in any posture', () => {
    for (const posture of ['dev', 'staging', 'prod'] as const) {
      const decision = decidePolicy({
        posture,
        dryRun: true,
        sideEffects: [HTTP, EXEC],
        approval: null,
      });
      expect(decision).toMatchObject({ ok: true, enforced: true, missingCapabilities: [] });
      expect(decision.stages.map((s) => s.decision)).toEqual(['DryRunOnly', 'DryRunOnly']);
      expect(decision.summary).toBe('dry run: 2 side-effecting stage(s) not performed');
    }
  });

  it('a spec without side effects needs nothing', () => {
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [],
      approval: null,
    });
    expect([decision.ok, decision.summary, decision.stages]).toEqual([
      true,
      'no side-effecting stages',
      [],
    ]);
  });
});
