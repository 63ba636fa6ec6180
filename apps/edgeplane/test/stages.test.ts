import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStages, specStages } from '../src/commands/governed.js';
import { STAGE_CATALOG, stageDescriptor } from '../src/stage-catalog.js';
import { CONFIG, cli, workdir } from './helpers.js';
import { TEST_SECRETS } from './secrets.js';

const SPEC = [
  'v=1',
  'name=t',
  'model=single_ring',
  'single_ring.stages.0.id=mask',
  'single_ring.stages.0.stage=redact',
  'single_ring.stages.1.id=once',
  'single_ring.stages.1.stage=dedupe',
  'single_ring.stages.1.depends_on=0',
  '',
].join('\n');
const HMAC_ENV = { REDACT_HMAC_KEY: TEST_SECRETS.hmacKey };
const SETTINGS =
  'stages.mask.presets=ipv4,email\nstages.mask.hmac_key=${REDACT_HMAC_KEY}\nstages.once.by=body\n';

describe('edgeplane stages', () => {
  it('lists identity, the transform stages and the action families with their settings', async () => {
    const r = await cli(['stages'], { cwd: workdir() });
    expect(r.code).toBe(0);
    for (const line of [
      'identity: Forwards every message unchanged (built into the adapter loop) (@edgeplane/adapter-loop; pure)',
      'redact: Masks what is personal',
      'dedupe: Drops (filters) a message',
      'rate_limit: Caps throughput',
      'http_post:<…>: http_post:<url> forwards',
      '(@edgeplane/stages-action; side effect: http_post, governed)',
      'exec:<…>: exec:<program>',
      '  hmac_key           string, secret\n',
      '  rate               number, required\n',
      '  window_count       integer (default 10000)\n',
      '  timeout            number (default 30)\n',
    ])
      expect(r.stdout).toContain(line);
  });

  it('--json and --name=: one stage (a family by any of its keys); an unknown name exits 2', async () => {
    const cwd = workdir();
    const all = JSON.parse((await cli(['stages', '--json'], { cwd })).stdout) as { key: string }[];
    expect(all.map((d) => d.key)).toEqual([
      'identity',
      'parse:',
      'filter',
      'map',
      'redact',
      'dedupe',
      'rate_limit',
      'http_post:',
      'exec:',
    ]);
    const one = JSON.parse((await cli(['stages', '--name=redact', '--json'], { cwd })).stdout);
    expect(one).toEqual([
      expect.objectContaining({
        key: 'redact',
        pure: true,
        package: '@edgeplane/stages-transform',
      }),
    ]);
    expect(one[0].settings.find((s: { name: string }) => s.name === 'hmac_key')).toMatchObject({
      secret: true,
    });
    const family = await cli(['stages', '--name=http_post:https://x.example/', '--json'], { cwd });
    expect(JSON.parse(family.stdout)[0]).toMatchObject({
      key: 'http_post:',
      pure: false,
      capability: 'http_post',
    });
    const unknown = await cli(['stages', '--name=redcat'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown stage "redcat"');
    expect(unknown.stderr).toContain(
      'hint: stages: identity, parse:<…>, filter, map, redact, dedupe, rate_limit, http_post:<…>, exec:<…>',
    );
  });

  it('describes every key the run resolver knows (and nothing else)', async () => {
    const keys = runStages({ env: {} } as never, false).keys();
    expect([...keys].sort()).toEqual(STAGE_CATALOG.map((d) => d.key).sort());
    expect(specStages().keys()).toEqual(keys);
    for (const k of keys) expect(stageDescriptor(k)?.key).toBe(k);
  });
});

describe('describe and dot show stage settings with --config, secrets redacted', () => {
  it('describe: each stage key and its settings; hmac_key from a variable is [redacted]', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS });
    const r = await cli(['describe', '--spec=spec.kv', '--config=adapters.kv'], {
      cwd,
      env: HMAC_ENV,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      [
        '  [0] mask: redact; depends on: ingress',
        '      stages.mask.hmac_key=[redacted]',
        '      stages.mask.presets=ipv4,email',
        '  [1] once: dedupe; depends on: 0 (mask)',
        '      stages.once.by=body',
      ].join('\n'),
    );
    const json = await cli(['describe', '--spec=spec.kv', '--config=adapters.kv', '--json'], {
      cwd,
      env: HMAC_ENV,
    });
    expect(JSON.parse(json.stdout).stage_settings).toEqual({
      mask: { presets: 'ipv4,email', hmac_key: '[redacted]' },
      once: { by: 'body' },
    });
    const dot = await cli(['dot', '--spec=spec.kv', '--config=adapters.kv'], {
      cwd,
      env: HMAC_ENV,
    });
    expect(dot.stdout).toContain(
      's0 [label="0: mask\\nredact\\nhmac_key=[redacted]\\npresets=ipv4,email"];',
    );
    for (const out of [r, json, dot])
      expect(out.stdout + out.stderr).not.toContain(TEST_SECRETS.hmacKey);
    // without --config: the stage keys only, as before
    const plain = await cli(['describe', '--spec=spec.kv'], { cwd });
    expect(plain.stdout).toContain('  [0] mask: redact; depends on: ingress\n  [1] once');
  });

  it('a key written in the config file itself is never printed either', async () => {
    // not a workdir(): tools/secrets.test.ts greps those, and this config holds the key in clear
    const cwd = mkdtempSync(join(tmpdir(), 'ep-stages-literal-'));
    const key = 'literal-hmac-key-0f9e8d7c6b5a';
    writeFileSync(join(cwd, 'spec.kv'), SPEC);
    writeFileSync(
      join(cwd, 'adapters.kv'),
      `${CONFIG}stages.mask.presets=email\nstages.mask.hmac_key=${key}\n`,
    );
    try {
      for (const verb of ['describe', 'dot'])
        for (const json of [[], ['--json']]) {
          const r = await cli([verb, '--spec=spec.kv', '--config=adapters.kv', ...json], { cwd });
          expect(r.code).toBe(0);
          expect(r.stdout).toContain('[redacted]');
          expect(r.stdout + r.stderr).not.toContain(key);
        }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('settings for a stage id the spec lacks fail naming the config line (exit 2)', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${CONFIG}stages.mask.presets=email\nstages.nope.x=1\n`,
    });
    const r = await cli(['describe', '--spec=spec.kv', '--config=adapters.kv'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'adapters.kv:6:1: stage settings for "nope", but spec.kv has no stage with that id',
    );
  });
});

describe('every verb that reads a spec knows the transform stages', () => {
  it('validate, snapshot (idle document from the spec) accept a spec naming redact and dedupe', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS });
    const env = HMAC_ENV;
    const v = await cli(['validate', '--spec=spec.kv'], { cwd, env });
    expect(v.stderr).toBe('');
    expect(v.stdout).toContain('spec.kv: ok (sha256:');
    // an empty lane: the idle document of the deployment (spec, config, transports) is printed
    const snap = await cli(['snapshot', '--spec=spec.kv', '--lane-path=lane', '--json'], {
      cwd,
      env,
    });
    expect(snap.code).toBe(0);
    expect(JSON.parse(snap.stdout)).toMatchObject({ state: 'idle', spec_name: 't' });
  });
});

describe('run with transform stages', () => {
  it('a bad setting stops the run at start with exit 2 naming stages.<id>.<setting>; nothing consumed', async () => {
    const spec =
      'v=1\nname=t\nmodel=single_ring\nsingle_ring.stages.0.id=limit\nsingle_ring.stages.0.stage=rate_limit\n';
    const cwd = workdir({
      'spec.kv': spec,
      'adapters.kv': `${CONFIG}stages.limit.rate=fast\n`,
      'in.log': 'a\nb\n',
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '`stages.limit.rate` must be a number of messages per second above 0',
    );
    expect(r.stderr).toContain('hint: write e.g. stages.limit.rate=100');
    expect(readdirSync(cwd)).not.toContain('out.log');
    expect(readdirSync(join(cwd, 'lane'))).not.toContain('file-ingress.offset');
    // validate refuses it the same way, before anything runs
    const v = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('error: [stage:rate_limit] `stages.limit.rate` must be a number');
    const json = await cli(['validate', '--spec=spec.kv', '--json'], { cwd });
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'invalid-config',
      exit: 2,
      details: { key: 'stages.limit.rate', stage: 'limit' },
    });
  });

  it('redact (HMAC) then dedupe: the output is pseudonymised; the key is in no output, snapshot or bundle', async () => {
    const input = [
      'from 10.0.0.1 by a@b.io',
      'from 10.0.0.1 by a@b.io',
      'from 10.0.0.2 by c@d.io',
      '',
    ].join('\n');
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS, 'in.log': input });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], {
      cwd,
      env: HMAC_ENV,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ingressMessages: 3,
      egressMessages: 2,
      ackedMessages: 3,
    });
    const out = readFileSync(join(cwd, 'out.log'), 'utf8').split('\n').slice(0, -1);
    expect(out).toHaveLength(2);
    for (const line of out) expect(line).toMatch(/^from [0-9a-f]{32} by [0-9a-f]{32}$/);
    const bundle = await cli(
      ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'],
      { cwd, env: HMAC_ENV },
    );
    expect(bundle.code).toBe(0);
    const adapters = readFileSync(join(cwd, 'bundle/adapters.kv'), 'utf8');
    expect(adapters).toContain('stages.mask.hmac_key=[redacted]');
    const everything = [
      r.stdout,
      r.stderr,
      bundle.stdout,
      bundle.stderr,
      ...readdirSync(join(cwd, 'bundle')).map((f) => readFileSync(join(cwd, 'bundle', f), 'utf8')),
      readFileSync(join(cwd, 'lane/snapshot.json'), 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(TEST_SECRETS.hmacKey);
  });
});
