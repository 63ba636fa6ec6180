import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, cli, lines, SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const node = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });

interface Adapter {
  name: string;
  connection_state: string;
  last_error: string | null;
  last_error_at: string | null;
  cause: string | null;
  cause_at: string | null;
}

/** `snapshot --lane-path=LANE` from a directory with no spec and no adapter config. */
function readLane(lane: string, json: boolean) {
  const elsewhere = workdir();
  return node(['snapshot', `--lane-path=${lane}`, ...(json ? ['--json'] : [])], elsewhere);
}

describe('edgeplane snapshot after the run (the snapshot never lies)', () => {
  it('a run that failed (file → redis-streams, wrong password): final, failed, the cause and when it stopped; --lane-path alone', () => {
    const config =
      'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\n' +
      'egress.transport=redis-streams\negress.url=redis://127.0.0.1:6379\negress.stream=ep-cli-snapshot-test\n' +
      'egress.username=edgeplane-no-such-user\negress.password=wrong-password\n';
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': 'a\nb\nc\n' });
    const run = node(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('WRONGPASS');
    const lane = join(cwd, 'lane');
    const r = readLane(lane, true);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      status: 'final',
      running: false,
      state: 'failed',
      stop_reason: 'failed',
      lane_path: lane,
    });
    expect(doc.error).toContain('WRONGPASS');
    expect(Date.parse(doc.ended_at)).toBeGreaterThan(Date.now() - 60_000);
    const egress = doc.adapters[1] as Adapter;
    expect(egress.connection_state).toBe('failed');
    expect(egress.cause).toContain('WRONGPASS');
    expect(egress.last_error).toContain('WRONGPASS');
    expect(egress.cause_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(egress.last_error_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(doc.adapters.map((a: Adapter) => a.connection_state)).not.toContain('ready');
    expect(JSON.stringify(doc)).not.toContain('wrong-password');

    const human = readLane(lane, false);
    expect(human.status).toBe(0);
    const [first, ...rest] = human.stdout.split('\n');
    expect(first).toBe(
      `NOT RUNNING: the run ended at ${doc.ended_at} (state failed, stop reason failed); this is its final snapshot`,
    );
    const text = rest.join('\n');
    expect(text).toMatch(/^state {7}failed \[final\]/m);
    expect(text).toContain(`ended       ${doc.ended_at}  reason failed`);
    expect(text).toMatch(/^error {7}.*WRONGPASS/m);
    expect(text).toContain(`  cause          ${egress.cause_at}  ${egress.cause}`);
    expect(text).toContain(`  last error     ${egress.last_error_at}  ${egress.last_error}`);
  }, 60_000);

  it('a file run that fails mid-run (an over-long line): final snapshot with the cause, and in the incident bundle', async () => {
    const config = `${CONFIG}ingress.maxLineBytes=64\n`;
    const input = `${lines(50)}\r\n${'x'.repeat(500)}\r\n${lines(5, 'after')}\r\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': input });
    const run = node(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.status).not.toBe(0);
    const lane = join(cwd, 'lane');
    const doc = JSON.parse(readLane(lane, true).stdout);
    expect(doc).toMatchObject({ status: 'final', running: false, state: 'failed' });
    expect(doc.error).toBeTruthy();
    expect(doc.adapters[0].cause).toBeTruthy();
    expect(doc.adapters[0].cause_at).toBeTruthy();

    const bundleDir = workdir();
    const b = node(['incident-bundle', '--out=bundle', `--lane-path=${lane}`], bundleDir);
    expect(b.status).toBe(0);
    const bundled = JSON.parse(readFileSync(join(bundleDir, 'bundle/snapshot.json'), 'utf8'));
    expect(bundled).toMatchObject({ status: 'final', running: false });
    expect(bundled.snapshot).toMatchObject({ state: 'failed', error: doc.error });
    expect(bundled.snapshot.adapters[0].cause).toBe(doc.adapters[0].cause);
    const text = readFileSync(join(bundleDir, 'bundle/snapshot.txt'), 'utf8');
    expect(text).toMatch(/^NOT RUNNING: the run ended at /);
    expect(text).toContain('  cause ');
  }, 60_000);

  it('a run that ended well: final, stopped, end-of-input, not running; idle only before any run', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': lines(10) });
    const before = await cli(['snapshot', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(JSON.parse(before.stdout)).toMatchObject({
      status: 'idle',
      state: 'idle',
      running: false,
    });
    expect((await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd })).code).toBe(0);
    const after = await cli(['snapshot', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(JSON.parse(after.stdout)).toMatchObject({
      status: 'final',
      running: false,
      state: 'stopped',
      stop_reason: 'end-of-input',
      error: null,
      egress_messages: 10,
    });
    const human = await cli(['snapshot', '--lane-path=lane'], { cwd: workdir() });
    expect(human.code).toBe(2); // another directory: that lane is empty there
    const here = await cli(['snapshot', `--lane-path=${join(cwd, 'lane')}`], { cwd: workdir() });
    expect(here.stdout).toMatch(
      /^NOT RUNNING: the run ended at \S+ \(state stopped, stop reason end-of-input\)/,
    );
  });

  it('a document whose writer died while it said running is stale: shown as last written, never live', async () => {
    const cwd = workdir();
    const lane = join(cwd, 'lane');
    mkdirSync(lane);
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    const doc = {
      v: 1,
      captured_at: '2026-01-01T00:00:00.000Z',
      pid: dead,
      spec_hash: null,
      spec_name: 't',
      mode: 'adapter_loop',
      state: 'running',
      ingress_messages: 5,
      egress_messages: 4,
      acked_messages: 4,
      dropped_messages: 0,
      adapters: ['ingress', 'egress'].map((role) => ({
        name: `file-${role}`,
        role,
        transport: 'file',
        connection_state: 'ready',
        message_count: 4,
        recent_failures: 0,
        last_error: null,
        last_error_at: null,
        cause: null,
        cause_at: null,
        stalled_since: null,
        lag: null,
      })),
      ring: { capacity: 8, cursor: 4, released: 3, gating: [] },
      ended_at: null,
      stop_reason: null,
      error: null,
    };
    writeFileSync(join(lane, 'snapshot.json'), JSON.stringify(doc));
    const json = await cli(['snapshot', '--lane-path=lane', '--json'], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'stale',
      running: false,
      state: 'running',
    });
    expect(json.stderr).toContain('stale snapshot');
    const human = await cli(['snapshot', '--lane-path=lane'], { cwd });
    expect(human.stdout.split('\n')[0]).toBe(
      `STALE: pid ${dead} is not running, yet this document says "running"; it is what the loop last wrote at 2026-01-01T00:00:00.000Z, not live`,
    );
    expect(human.stdout).toMatch(/^state {7}running \[stale\]/m);
  });

  it('--lane-path alone on a lane with no snapshot and no spec: not-found (exit 2), nothing created', async () => {
    const cwd = workdir();
    const r = await cli(['snapshot', '--lane-path=nothing-here'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no snapshot in');
    expect(r.stderr).toContain('nothing has run there');
    expect(spawnSync('ls', [join(cwd, 'nothing-here')]).status).not.toBe(0);
  });
});
