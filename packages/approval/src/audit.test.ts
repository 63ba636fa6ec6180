import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { context, credential, key, keySet, NOW, rejection } from '../test/fixtures.js';
import {
  type ApprovalError,
  decidePolicy,
  discoverApprovalMaterial,
  policyAuditRecord,
  type SideEffectStage,
  verifyApproval,
} from './index.js';

const HTTP: SideEffectStage = {
  stageIndex: 0,
  stage: 'http_post:https://example.com/hook',
  capability: 'http_post',
};
const base = {
  specPath: '/etc/byteor/spec.kv',
  lanePath: '/run/byteor/demo',
  runtimeCrate: { name: '@edgeplane/cli', version: '0.1.0' },
  spec: { model: 'SingleRing', name: 'demo' },
  posture: 'prod' as const,
};

describe('policyAuditRecord', () => {
  it('records a verified approval and the allowed stages', async () => {
    const approval = await verifyApproval(
      credential(),
      context({ keySource: 'control-plane+local' }),
    );
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP],
      approval,
    });
    const record = policyAuditRecord({
      ...base,
      decision,
      approval: {
        credentialSource: 'spec-dir',
        result: approval,
        trust: { keySource: 'control-plane+local', reason: 'refreshed 1 key(s)' },
      },
    });
    expect(record).toEqual({
      ok: true,
      policy_version: 1,
      mode: 'execute',
      enforced: true,
      stage_failure_policy: 'stop_pipeline',
      spec_path: '/etc/byteor/spec.kv',
      lane_path: '/run/byteor/demo',
      wait: null,
      runtime_crate: { name: '@edgeplane/cli', version: '0.1.0' },
      spec: { model: 'SingleRing', name: 'demo' },
      posture: 'prod',
      dry_run: false,
      approval: {
        present: true,
        verified: true,
        credential_source: 'spec-dir',
        reason: null,
        check: null,
        message: null,
        approval_id: 'appr_42',
        kid: 'k1',
        key_source: 'control-plane+local',
        key_source_reason: 'refreshed 1 key(s)',
        capabilities: ['http_post', 'exec'],
        expires_at: NOW + 3600,
      },
      decisions: [
        {
          stage_index: 0,
          stage: HTTP.stage,
          capability: 'http_post',
          decision: 'Allow',
          reason: 'approval appr_42 grants http_post',
        },
      ],
      summary: '1 side-effecting stage(s) allowed',
    });
  });

  it('records a rejected approval with its reason code and check, and refuses', async () => {
    const error = await rejection(credential({ expires_at: NOW - 5 }));
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP],
      approval: null,
    });
    const record = policyAuditRecord({
      ...base,
      decision,
      approval: {
        credentialSource: 'flag-file',
        result: error,
        trust: { keySource: 'local-cache', reason: 'not configured' },
      },
    });
    expect(record.ok).toBe(false);
    expect(record.approval).toMatchObject({
      present: true,
      verified: false,
      reason: 'expired',
      check: 6,
      message: `[approval] credential expired at 2025-06-15T15:06:35Z (expires_at ${NOW - 5}, now ${NOW})`,
      approval_id: 'appr_42',
      kid: 'k1',
      key_source: 'local-cache',
    });
    expect(record.decisions[0]?.decision).toBe('RequireApproval');
  });

  it('records a spec error instead of the spec, and no credential', () => {
    const record = policyAuditRecord({
      ...base,
      spec: undefined,
      specError: 'spec.kv:3:1: expected "=" after key',
      dryRun: true,
      decision: null,
      approval: { credentialSource: null, result: null },
    });
    expect(record).toMatchObject({
      ok: false,
      mode: 'dry_run',
      error: 'spec.kv:3:1: expected "=" after key',
      decisions: [],
    });
    expect('spec' in record).toBe(false);
    expect(record.approval).toMatchObject({
      present: false,
      verified: false,
      reason: null,
      kid: null,
    });
  });

  it('does not echo messages of foreign errors', () => {
    const record = policyAuditRecord({
      ...base,
      decision: null,
      approval: { credentialSource: 'flag-inline', result: new Error('boom with secret') },
    });
    expect(record.approval.message).toBe('internal error');
    const own = policyAuditRecord({
      ...base,
      decision: null,
      approval: {
        credentialSource: 'flag-inline',
        result: new EdgeplaneError('invalid-config', 'approval', 'trusted key "k1" is not usable'),
      },
    });
    expect(own.approval.message).toBe('[approval] trusted key "k1" is not usable');
  });
});

describe('no secret in any message or audit record', () => {
  it('never contains the credential, its parts or private key material', async () => {
    const cred = credential({ expires_at: NOW + 60 });
    const [payloadPart = '', signaturePart = ''] = cred.split('.');
    const privateD = key('k1').privateJwk.d;
    const texts: string[] = [];
    const collect = (e: ApprovalError | Error) =>
      texts.push(
        e.message,
        JSON.stringify((e as ApprovalError).details ?? {}),
        (e as ApprovalError).hint ?? '',
      );
    // Every check fails once with this credential in play.
    const [p, s = ''] = cred.split('.');
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const attempts: Array<[string, Parameters<typeof context>[0]]> = [
      [`${cred}.extra`, {}],
      [`${p}.${flipped.toString('base64url')}`, {}],
      [cred, { keySet: keySet('k2') }],
      [cred, { specHash: `sha256:${'0'.repeat(64)}` }],
      [cred, { posture: 'staging' }],
      [cred, { now: NOW + 61 }],
      [cred, { requiredCapabilities: ['teleport'] }],
    ];
    const errors = await Promise.all(attempts.map(([c, o]) => rejection(c, context(o))));
    expect(errors.map((e) => e.check)).toEqual([1, 2, 2, 4, 5, 6, 7]);
    errors.forEach(collect);
    const mangled = await discoverApprovalMaterial({
      specPath: '/nonexistent/spec.kv',
      approvalFlag: `${cred}==`,
    }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    collect(mangled as Error);
    for (const error of errors) {
      const decision = decidePolicy({
        posture: 'prod',
        dryRun: false,
        sideEffects: [HTTP],
        approval: null,
      });
      texts.push(
        JSON.stringify(
          policyAuditRecord({
            ...base,
            decision,
            approval: { credentialSource: 'flag-inline', result: error },
          }),
        ),
      );
    }
    const ok = await verifyApproval(cred, context());
    const decision = decidePolicy({
      posture: 'prod',
      dryRun: false,
      sideEffects: [HTTP],
      approval: ok,
    });
    texts.push(
      JSON.stringify(
        policyAuditRecord({
          ...base,
          decision,
          approval: { credentialSource: 'flag-inline', result: ok },
        }),
      ),
    );
    const all = texts.join('\n');
    for (const secret of [cred, payloadPart, signaturePart, privateD])
      expect(all).not.toContain(secret);
  });
});
