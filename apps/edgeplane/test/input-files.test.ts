import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, cli, SPEC, workdir } from './helpers.js';

/**
 * Operator files are read only as regular files, and only up to a limit (issue 16): a device, a
 * FIFO or a huge file used to grow memory without bound or hang. Each case runs the built CLI in
 * its own process, with a time limit and a virtual-memory cap, so a regression fails the test
 * instead of exhausting the machine.
 */
const CLI = join(import.meta.dirname, '../dist/cli.js');
const LIMIT_MS = 15_000;

function edgeplane(args: readonly string[], cwd: string) {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`);
  const started = Date.now();
  const r = spawnSync('sh', ['-c', `ulimit -v 4000000; exec ${quoted.join(' ')}`], {
    cwd,
    encoding: 'utf8',
    timeout: LIMIT_MS,
    killSignal: 'SIGKILL',
    env: { PATH: process.env.PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const NOT_REGULAR = 'is not a regular file (a device, a pipe or a socket is never read)';

describe('operator files: regular files only, bounded', () => {
  it('--spec=/dev/zero is refused without reading it: exit 2 naming the flag', () => {
    const r = edgeplane(['validate', '--spec=/dev/zero'], workdir());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: spec /dev/zero: ${NOT_REGULAR}\nhint: give --spec= the path of a regular file\n`,
    );
  });

  it('--config=/dev/zero is refused without reading it, by validate and by run', () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    for (const verb of [['validate'], ['run', '--lane-path=lane']]) {
      const r = edgeplane([...verb, '--spec=spec.kv', '--config=/dev/zero'], cwd);
      expect(r.code, verb[0]).toBe(2);
      expect(r.stderr, verb[0]).toBe(
        `error: adapter config /dev/zero: ${NOT_REGULAR}\nhint: give --config= the path of a regular file\n`,
      );
    }
  });

  it('a FIFO as --config does not hang: refused at once', () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    expect(spawnSync('mkfifo', [join(cwd, 'adapters.fifo')]).status).toBe(0);
    const r = edgeplane(['validate', '--spec=spec.kv', '--config=adapters.fifo'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: adapter config adapters.fifo: ${NOT_REGULAR}`);
    expect(r.ms).toBeLessThan(LIMIT_MS);
  });

  it('a config over 1 MiB is refused naming its size and the limit', () => {
    const big = `${CONFIG}${'#'.repeat(1024 * 1024)}\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'big.kv': big });
    const r = edgeplane(['validate', '--spec=spec.kv', '--config=big.kv'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: adapter config big.kv: is ${big.length} bytes, over the limit of 1048576 bytes\nhint: check that --config= names the right file\n`,
    );
  });

  it('--approval-key-set=/dev/zero is refused naming the flag', () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const r = edgeplane(
      ['approval', 'verify', '--spec=spec.kv', '--approval-key-set=/dev/zero'],
      cwd,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`key set /dev/zero: ${NOT_REGULAR}`);
    expect(r.stderr).toContain('hint: give `--approval-key-set=` the path of a regular file');
  });

  it('egress.transport=/dev/zero is refused before any import, naming the key', () => {
    const config = CONFIG.replace('egress.transport=file', 'egress.transport=/dev/zero');
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config });
    for (const verb of [['validate'], ['run', '--lane-path=lane']]) {
      const r = edgeplane([...verb, '--spec=spec.kv'], cwd);
      expect(r.code, verb[0]).toBe(2);
      expect(r.stderr, verb[0]).toContain(
        'error: adapters.kv:3:18: `egress.transport`: transport module /dev/zero is not a regular file',
      );
    }
  });

  it('--approval=/dev/null is described as not a regular file, an empty file as empty', () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'empty.cred': '' });
    const dev = edgeplane(['approval', 'verify', '--spec=spec.kv', '--approval=/dev/null'], cwd);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain(`approval file /dev/null: ${NOT_REGULAR}`);
    expect(dev.stderr).not.toContain('names no existing file');
    const empty = edgeplane(['approval', 'verify', '--spec=spec.kv', '--approval=empty.cred'], cwd);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      `approval file ${join(cwd, 'empty.cred')} (\`--approval=\`) is empty`,
    );
  });

  it('run --sp --input=/dev/zero is refused; an incident bundle of --spec=/dev/zero says why', () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const sp = edgeplane(['run', '--sp', '--spec=spec.kv', '--input=/dev/zero'], cwd);
    expect(sp.code).toBe(2);
    expect(sp.stderr).toContain(`error: --input file /dev/zero: ${NOT_REGULAR}`);
    const b = edgeplane(['incident-bundle', '--out=bundle', '--spec=/dev/zero', '--json'], cwd);
    expect(b.code).toBe(0);
    const validation = spawnSync('cat', [join(cwd, 'bundle/spec_validation.json')], {
      encoding: 'utf8',
    }).stdout;
    expect(JSON.parse(validation)).toEqual({
      ok: false,
      error: `[app-kit] spec /dev/zero: ${NOT_REGULAR}`,
    });
  });
});

describe('files edgeplane finds in the lane path: regular files only', () => {
  it('a FIFO as the lane snapshot.json: snapshot exits 2 at once, the bundle says unreadable', () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    spawnSync('mkdir', [join(cwd, 'lane')]);
    expect(spawnSync('mkfifo', [join(cwd, 'lane/snapshot.json')]).status).toBe(0);
    const r = edgeplane(['snapshot', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`snapshot ${join(cwd, 'lane', 'snapshot.json')}: ${NOT_REGULAR}`);
    const b = edgeplane(
      ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'],
      cwd,
    );
    expect(b.code).toBe(0);
    const doc = JSON.parse(
      spawnSync('cat', [join(cwd, 'bundle/snapshot.json')], { encoding: 'utf8' }).stdout,
    );
    expect(doc.status).toBe('unreadable');
  });

  it('a FIFO as the lane lock is no lock: run replaces it and moves the data', () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': 'a\nb\n' });
    spawnSync('mkdir', [join(cwd, 'lane')]);
    expect(spawnSync('mkfifo', [join(cwd, 'lane/loop.pid')]).status).toBe(0);
    const r = edgeplane(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(spawnSync('cat', [join(cwd, 'out.log')], { encoding: 'utf8' }).stdout).toBe('a\nb\n');
  });
});

describe('approval issue --expires-in', () => {
  it('refuses 0, negative and non-integer values with exit 2', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    expect((await cli(['approval', 'keygen', '--kid=k1', '--out=keys'], { cwd })).code).toBe(0);
    for (const value of ['0', '-5', '1.5', 'soon', '']) {
      const r = await cli(
        [
          'approval',
          'issue',
          '--key=keys/k1.private.jwk.json',
          '--spec=spec.kv',
          `--expires-in=${value}`,
        ],
        { cwd },
      );
      expect(r.code, value).toBe(2);
      expect(r.stderr, value).toBe(
        `error: --expires-in must be a whole number of seconds, at least 1, got "${value}"\nhint: e.g. --expires-in=3600 (one hour)\n`,
      );
    }
    const ok = await cli(
      ['approval', 'issue', '--key=keys/k1.private.jwk.json', '--spec=spec.kv', '--expires-in=60'],
      { cwd },
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\n$/);
  });

  it('refuses a private key that is a device', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const r = await cli(['approval', 'issue', '--key=/dev/zero', '--spec=spec.kv'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: private key /dev/zero: ${NOT_REGULAR}\nhint: give --key= the path of a regular file\n`,
    );
  });
});
