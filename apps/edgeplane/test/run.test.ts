import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, cli, lines, SPEC, workdir } from './helpers.js';
import { TEST_SECRETS } from './secrets.js';

const out = (cwd: string): string[] =>
  readFileSync(join(cwd, 'out.log'), 'utf8').split('\n').slice(0, -1);

describe('edgeplane run (file → file)', () => {
  it('moves every line, CRLF stripped, last unterminated line included, and prints summary + snapshot', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': lines(2000) });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(out(cwd)).toEqual(lines(2000).split('\r\n'));
    expect(r.stdout).toContain('run stopped (end-of-input)');
    expect(r.stdout).toMatch(/ingress 2000 {2}egress 2000 {2}acked 2000/);
    expect(r.stdout).toMatch(/file-ingress\s+ingress\s+file\s+closed\s+2000/);
  });

  it('--adapter-max-messages=500 moves exactly 500; four runs move all 2000 once each, in order', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': lines(2000) });
    for (let run = 1; run <= 4; run++) {
      const r = await cli(
        ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=500', '--json'],
        { cwd },
      );
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as {
        reason: string;
        egressMessages: number;
        ackedMessages: number;
      };
      expect(doc).toMatchObject({
        reason: 'max-messages',
        egressMessages: 500,
        ackedMessages: 500,
      });
      expect(out(cwd)).toEqual(
        lines(2000)
          .split('\r\n')
          .slice(0, run * 500),
      );
    }
    const fifth = await cli(
      ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=500', '--json'],
      { cwd },
    );
    expect(JSON.parse(fifth.stdout)).toMatchObject({ reason: 'end-of-input', egressMessages: 0 });
  });

  it('passes non-UTF-8 bytes through unchanged', async () => {
    const body = Buffer.from([0x66, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0x80, 0x0d, 0x0a]);
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': body });
    expect((await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd })).code).toBe(0);
    expect(readFileSync(join(cwd, 'out.log'))).toEqual(
      Buffer.from([0x66, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0x80, 0x0a]),
    );
  });

  it('fails with exit 2 naming the file when the input does not exist', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('in.log');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops cleanly on SIGTERM with exit 143 and acknowledges what it moved', async () => {
    const follow = `${CONFIG}ingress.follow=true\ningress.pollMs=20\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': follow, 'in.log': `${lines(100)}\n` });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], {
      cwd,
      signal: (fire) => setTimeout(() => fire('SIGTERM'), 300),
    });
    expect(r.code).toBe(143);
    expect(JSON.parse(r.stdout)).toMatchObject({
      reason: 'stopped',
      egressMessages: 100,
      ackedMessages: 100,
    });
  });
});

describe('edgeplane run --sp', () => {
  it('runs the stages over explicit input from stdin and prints the output', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const r = await cli(['run', '--sp', '--spec=spec.kv'], { cwd, stdin: 'a\r\nb\nc' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\nb\nc\n');
    expect(r.stderr).toContain('egress 3');
  });
  it('reads --input=FILE', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'x.txt': 'one\ntwo\n' });
    expect((await cli(['run', '--sp', '--spec=spec.kv', '--input=x.txt'], { cwd })).stdout).toBe(
      'one\ntwo\n',
    );
  });
});

describe('edgeplane snapshot / describe / dot / doctor / incident-bundle', () => {
  it('snapshot with nothing running is idle: both adapters ready with message_count 0', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(['snapshot', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      v: 1,
      mode: 'adapter_loop',
      state: 'idle',
      status: 'idle',
      ingress_messages: 0,
      egress_messages: 0,
    });
    expect(
      doc.adapters.map((a: { role: string; connection_state: string; message_count: number }) => [
        a.role,
        a.connection_state,
        a.message_count,
      ]),
    ).toEqual([
      ['ingress', 'ready', 0],
      ['egress', 'ready', 0],
    ]);
  });

  it('describe and dot render the spec', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    expect((await cli(['describe', '--spec=spec.kv'], { cwd })).stdout).toContain('fwd');
    const dot = await cli(['dot', '--spec=spec.kv'], { cwd });
    expect(dot.stdout).toMatch(/^digraph/);
    expect(dot.stdout).toContain('fwd');
  });

  it('doctor reports checks and exits 3 when the lane path is not writable', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const ok = await cli(['doctor', '--lane-path=lane', '--json'], { cwd });
    expect(JSON.parse(ok.stdout).checks.map((c: { name: string }) => c.name)).toEqual([
      'node',
      'lane_path',
      'disk',
      'open_files',
      'memlock',
      'cpus',
      'memory',
      'clock',
    ]);
    const bad = await cli(['doctor', '--lane-path=/proc/edgeplane-lane'], { cwd });
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^host +lane_path +FAIL /m);
  });

  it('incident-bundle writes the required files and redacts the config and environment', async () => {
    const config = `${CONFIG}ingress.checkpointPath=\${CKPT}\n`;
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': config.replace(
        'egress.path=${EDGEPLANE_CONFIG_DIR}/out.log',
        'egress.path=${OUT_TOKEN}',
      ),
    });
    const env = {
      CKPT: 'ck.offset',
      OUT_TOKEN: `${TEST_SECRETS.outToken}.log`,
      MY_API_KEY: TEST_SECRETS.envApiKey,
    };
    const r = await cli(['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'], {
      cwd,
      env,
    });
    expect(r.code).toBe(0);
    const files = readdirSync(join(cwd, 'bundle')).sort();
    expect(files).toEqual([
      'adapters.kv',
      'environment.json',
      'policy_audit.json',
      'runtime.json',
      'single_ring_snapshot.json',
      'snapshot.json',
      'snapshot.txt',
      'spec.kv',
      'spec_validation.json',
    ]);
    const all = files.map((f) => readFileSync(join(cwd, 'bundle', f), 'utf8')).join('\n');
    expect(all).not.toContain(TEST_SECRETS.outToken);
    expect(all).not.toContain(TEST_SECRETS.envApiKey);
    expect(readFileSync(join(cwd, 'bundle/adapters.kv'), 'utf8')).toContain(
      'egress.path=[redacted]',
    );
    expect(JSON.parse(readFileSync(join(cwd, 'bundle/spec_validation.json'), 'utf8')).ok).toBe(
      true,
    );
    expect(existsSync(join(cwd, 'bundle/snapshot.json'))).toBe(true);
  });
});

describe('incident-bundle, operator mistakes (issue 16 trial)', () => {
  it('--out= naming a file is exit 2 naming the flag, not an internal error', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, taken: 'x' });
    const r = await cli(['incident-bundle', '--out=taken', '--spec=spec.kv', '--lane-path=lane'], {
      cwd,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot create the bundle directory taken (a file is in the way)');
    expect(r.stderr).toContain('hint: give --out= a new or existing directory');
  });

  it('redacts stage settings whose name is a secret word (pwd, signingKey) and their variables', async () => {
    const spec = SPEC;
    const config = `${CONFIG}stages.fwd.pwd=\${DBP}\nstages.fwd.signingKey=\${SIGK}\n`;
    const cwd = workdir({ 'spec.kv': spec, 'adapters.kv': config });
    const env = { DBP: 'db-pwd-value-1234', SIGK: 'signing-key-value-5678' };
    await cli(['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'], {
      cwd,
      env,
    });
    const files = readdirSync(join(cwd, 'bundle'));
    const all = files.map((f) => readFileSync(join(cwd, 'bundle', f), 'utf8')).join('\n');
    expect(all).not.toContain(env.DBP);
    expect(all).not.toContain(env.SIGK);
    expect(readFileSync(join(cwd, 'bundle/adapters.kv'), 'utf8')).toContain(
      'stages.fwd.pwd=[redacted]',
    );
  });
});

describe('a failed run never prints a secret', () => {
  it('scrubs a secret-named variable from the final error and hint lines and from --json', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const config = CONFIG.replace('/in.log', '/${IN_TOKEN}.log'); // the file does not exist
    const env = { IN_TOKEN: TEST_SECRETS.envApiKey };
    for (const json of [false, true]) {
      const files = { 'adapters.kv': config };
      const dir = workdir({ ...files, 'spec.kv': SPEC });
      const args = [
        'run',
        `--spec=${join(cwd, 'spec.kv')}`,
        `--config=${join(dir, 'adapters.kv')}`,
      ];
      const r = await cli(json ? [...args, '--json'] : args, { cwd: dir, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('cannot open');
      expect(`${r.stdout}${r.stderr}`).not.toContain(TEST_SECRETS.envApiKey);
      expect(`${r.stdout}${r.stderr}`).toContain('[redacted]');
    }
  });
});
