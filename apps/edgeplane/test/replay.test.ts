import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeplaneError, rejectMessage, type StageFactory } from '@edgeplane/adapter-loop';
import { copyCapture } from '@edgeplane/app-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, workdir } from './helpers.js';

const LOG = '/work/shared/data/loghub/HDFS_2k.log';
const SPEC =
  'v=1\nname=loghub\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';
const config = (extra = '') =>
  `ingress.transport=file\ningress.path=${LOG}\negress.transport=file\negress.path=\${EDGEPLANE_CONFIG_DIR}/out.log\n${extra}`;
/** A block id of the input, used as a "secret" the capture must not hold. */
const SECRET = 'blk_-8050165297538775793';

/** The test's stages: one rewrites the DataBlockScanner lines, one drops them. */
const scanner =
  (change: (body: string) => string | null): StageFactory =>
  () => ({
    key: 'scanner',
    process: (ms) =>
      ms.map((m) => {
        const text = Buffer.from(m.body).toString();
        if (!text.includes('DataBlockScanner')) return m;
        const out = change(text);
        return out === null ? null : { ...m, body: Buffer.from(out) };
      }),
  });
/** A stage that refuses (rejectMessage) the DataBlockScanner lines. */
const refuseScanner: StageFactory = () => ({
  key: 'refuse-scanner',
  process: (ms) =>
    ms.map((m) =>
      Buffer.from(m.body).toString().includes('DataBlockScanner')
        ? rejectMessage(new EdgeplaneError('invalid-input', 'stage:scan', 'no scanner lines'))
        : m,
    ),
});
const STAGES = {
  'rewrite-scanner': scanner((t) => t.replace('Verification succeeded', 'verified')),
  'drop-scanner': scanner(() => null),
  'refuse-scanner': refuseScanner,
};
const withStage = (key: string) =>
  `${SPEC}single_ring.stages.1.id=scan\nsingle_ring.stages.1.stage=${key}\nsingle_ring.stages.1.depends_on=0\n`;

const all = readFileSync(LOG, 'utf8').trimEnd().split('\r\n');
const last500 = all.slice(-500);
/** The input's lines before line 1501 + `i` (1-based). */
const lines1500to = (i: number) => all.slice(0, 1500 + i);

describe('edgeplane replay --bundle', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': config(`loop.captureMessages=500\nstages.fwd.apiToken=\${SCAN_TOKEN}\n`),
    });
    const env = { SCAN_TOKEN: SECRET };
    const run = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd, env });
    expect(run.code).toBe(0);
    const bundle = await cli(
      ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'],
      { cwd, env },
    );
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toContain('capture/ingress.ndjson');
  }, 60_000);

  it('a captured bundle of loghub lines replays identical: exit 0', async () => {
    const r = await cli(['replay', '--bundle=bundle'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^replay of bundle: spec "loghub" \(sha256:[0-9a-f]{64}\), 500 captured messages; no side-effecting stages\nnote: stages.fwd.apiToken is \[redacted\] in the bundle: the stage ran with that text\nidentical: 500 messages\n$/,
    );
    const json = JSON.parse((await cli(['replay', '--bundle=bundle', '--json'], { cwd })).stdout);
    expect(json).toMatchObject({ ok: true, messages: 500, compared: 500, difference: null });
  });

  it('the bundle holds the last 500 lines and their egress, without the secret', () => {
    const read = (f: string) => readFileSync(join(cwd, 'bundle/capture', f), 'utf8');
    const ingress = read('ingress.ndjson')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const egress = read('egress.ndjson')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const unredact = (s: string) => s.replace('[redacted]', SECRET);
    expect(ingress.map((r) => unredact(r.body))).toEqual(last500);
    expect(ingress[0]).toMatchObject({ seq: 1500, origin: `file ${LOG} line 1501 byte 211598` });
    expect(egress.map((r) => r.status)).toEqual(Array(500).fill('sent'));
    expect(egress.map((r) => r.body)).toEqual(ingress.map((r) => r.body));
    for (const f of ['ingress.ndjson', 'egress.ndjson', 'capture.json'])
      expect(read(f)).not.toContain(SECRET);
    expect(ingress.filter((r) => r.redacted).map((r) => r.body)).toEqual([
      expect.stringContaining('Verification succeeded for [redacted]'),
    ]);
  });

  it('a changed spec shows the first difference: exit 1', async () => {
    const at = last500.findIndex((l) => l.includes('DataBlockScanner'));
    expect(at).toBe(114);
    cpSync(join(cwd, 'bundle'), join(cwd, 'changed'), { recursive: true });
    writeFileSync(join(cwd, 'changed/spec.kv'), withStage('rewrite-scanner'));
    const r = await cli(['replay', '--bundle=changed'], { cwd, stages: STAGES });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^note: the bundle's spec \(sha256:\w+\) is not the one the capture/);
    const byte = Buffer.byteLength(lines1500to(at).join('\r\n')) + 2;
    expect(lines.slice(3)).toEqual([
      `first difference at index ${at} (seq ${1500 + at}, id HDFS_2k.log@${byte}; file ${LOG} line ${1501 + at} byte ${byte}): the body differs from byte 44`,
      '  expected: sent, 81 bytes: …"taBlockScanner: Verification succeeded for [redacted]"',
      '  got:      sent, 67 bytes: …"taBlockScanner: verified for [redacted]"',
      '114 messages before it were identical',
      '',
    ]);

    writeFileSync(join(cwd, 'changed/spec.kv'), withStage('drop-scanner'));
    const drop = await cli(['replay', '--bundle=changed', '--json'], { cwd, stages: STAGES });
    expect(drop.code).toBe(1);
    expect(JSON.parse(drop.stdout)).toMatchObject({
      ok: false,
      compared: at,
      difference: { index: at, field: 'outcome', got: { status: 'dropped' } },
    });
  });

  it('a run whose stage refused messages to the dead letter replays identical (the refusals too)', async () => {
    const dir = workdir({
      'spec.kv': withStage('refuse-scanner'),
      'adapters.kv': config(
        'loop.captureMessages=500\nloop.failurePolicy=dead_letter\ndead_letter.transport=file\ndead_letter.path=${EDGEPLANE_CONFIG_DIR}/dead.ndjson\n',
      ),
    });
    const run = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], {
      cwd: dir,
      stages: STAGES,
    });
    expect(run.code, run.stderr).toBe(0);
    const refused = last500.filter((l) => l.includes('DataBlockScanner')).length;
    expect(refused).toBeGreaterThan(0);
    const bundle = await cli(
      ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'],
      { cwd: dir, stages: STAGES },
    );
    expect(bundle.code).toBe(0);
    const r = await cli(['replay', '--bundle=bundle', '--json'], { cwd: dir, stages: STAGES });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, compared: 500, difference: null });
    expect(r.code).toBe(0);
  });

  it('a bundle without capture: exit 2 naming the fix', async () => {
    const dir = workdir({ 'spec.kv': SPEC, 'adapters.kv': config() });
    expect((await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd: dir })).code).toBe(0);
    const b = ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'];
    expect((await cli(b, { cwd: dir })).code).toBe(0);
    const r = await cli(['replay', '--bundle=bundle'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: bundle/capture: no such directory: this holds no capture\n' +
        "hint: capture is off by default: set loop.captureMessages=N (e.g. 1000) in the adapter config, run again, then write the bundle with `edgeplane incident-bundle --lane-path=<the run's lane path>`\n",
    );
    expect((await cli(['replay', '--bundle=nowhere'], { cwd: dir })).stderr).toContain(
      'error: nowhere/spec.kv: no such file',
    );
  });

  it('the bundle keeps the newest messages within its cap and says what was cut', async () => {
    const out = join(cwd, 'small');
    const copy = await copyCapture({
      lanePath: join(cwd, 'lane'),
      out,
      secrets: [SECRET],
      maxBytes: 30_000,
    });
    expect(copy).toMatchObject({ cut: 500 - (copy?.kept ?? 0) });
    expect(copy?.kept).toBeGreaterThan(50);
    expect(copy?.kept).toBeLessThan(150);
    const meta = JSON.parse(readFileSync(join(out, 'capture/capture.json'), 'utf8'));
    expect(meta.bundle).toEqual({ max_bytes: 30_000, kept: copy?.kept, cut: copy?.cut });
    const kept = readFileSync(join(out, 'capture/ingress.ndjson'), 'utf8').trim().split('\n');
    expect(JSON.parse(kept.at(-1) ?? '{}').seq).toBe(1999);
  });
});
