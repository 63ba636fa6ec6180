import { describe, expect, it } from 'vitest';
import { CONFIG, cli, SPEC, workdir } from './helpers.js';

const bad = async (spec: string | Buffer, config = CONFIG) => {
  const cwd = workdir({ 'spec.kv': spec, 'adapters.kv': config });
  return cli(['validate', '--spec=spec.kv'], { cwd });
};

describe('edgeplane validate', () => {
  it('accepts a good spec and its discovered config', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^spec\.kv: ok \(sha256:[0-9a-f]{64}, 1 stages\)\nadapters\.kv: ok \(ingress file -> file\)\n$/,
    );
  });

  it.each([
    ['a missing "="', `${SPEC}single_ring.shards\n`, 'spec.kv:6:'],
    [
      'a non-ASCII byte',
      Buffer.from(`${SPEC}# caf\u00e9\nname2=caf\u00e9\n`),
      'non-ASCII byte 0xC3',
    ],
    [
      'an unknown stage',
      SPEC.replace('stage=identity', 'stage=uppercase'),
      'unknown stage "uppercase"',
    ],
    [
      'a dependency on a later stage',
      `${SPEC}single_ring.stages.0.depends_on=1\nsingle_ring.stages.1.id=b\nsingle_ring.stages.1.depends_on=0\n`,
      'comes later',
    ],
    [
      'more than 4 stages',
      SPEC +
        [1, 2, 3, 4]
          .map(
            (i) =>
              `single_ring.stages.${i}.id=s${i}\nsingle_ring.stages.${i}.depends_on=${i - 1}\n`,
          )
          .join(''),
      '4',
    ],
    [
      'several shards (the loop runs one)',
      `${SPEC}single_ring.shards=4\nsingle_ring.ordering=per_key\nsingle_ring.shard_key=tenant\n`,
      'single_ring.shards: the adapter loop runs one shard per loop, got 4',
    ],
    [
      'producer=mpmc',
      `${SPEC}single_ring.producer=mpmc\n`,
      'single_ring.producer=mpmc is not supported',
    ],
  ])(
    'rejects %s with exit 2, the place and a hint, no stack trace',
    async (_name, spec, fragment) => {
      const r = await bad(spec);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: spec\.kv:\d+:\d+: /);
      expect(r.stderr).toContain(fragment);
      expect(r.stderr).toMatch(/\nhint: .+\n$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('rejects a bad option type in the config with its line', async () => {
    const r = await bad(SPEC, `${CONFIG}ingress.maxLineBytes=lots\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: adapters.kv:5:22: ingress (file): option "maxLineBytes": expected an integer',
    );
  });

  it('names a missing spec file', async () => {
    const r = await cli(['validate', '--spec=nope.kv'], { cwd: workdir() });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: spec nope.kv: does not exist\nhint: check the path given to --spec=\n',
    });
  });

  it('names a missing config file given with --config', async () => {
    const r = await cli(['validate', '--spec=spec.kv', '--config=wiring.kv'], {
      cwd: workdir({ 'spec.kv': SPEC }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: adapter config wiring.kv does not exist');
  });

  it('rejects unknown flags and verbs with exit 2', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    expect((await cli(['validate', '--spce=spec.kv'], { cwd })).stderr).toContain(
      "Unknown option '--spce'",
    );
    expect((await cli(['validate', '--spce=spec.kv'], { cwd })).code).toBe(2);
    expect((await cli(['frobnicate'], { cwd })).code).toBe(2);
  });

  it('prints help for every verb', async () => {
    for (const verb of [
      'validate',
      'describe',
      'dot',
      'run',
      'doctor',
      'snapshot',
      'incident-bundle',
      'transports',
      'stages',
    ]) {
      const r = await cli([verb, '--help'], { cwd: workdir() });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: edgeplane ${verb}`);
    }
  });
});

describe('edges found by a fresh-eyes run', () => {
  it('rejects a stray argument and answers --version', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    const stray = await cli(['validate', '--spec=spec.kv', 'extra'], { cwd });
    expect(stray).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('validate: unexpected argument "extra"'),
    });
    expect((await cli(['--version'], { cwd })).stdout).toMatch(/^edgeplane \d+\.\d+\.\d+\n$/);
  });

  it('names the config line of an unknown transport', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': CONFIG.replace('egress.transport=file', 'egress.transport=nosuch'),
    });
    const r = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: adapters.kv:3:18: unknown transport "nosuch"');
    expect(r.stderr).toContain('hint: run `edgeplane transports`');
    expect(r.stderr).toContain(`npm install edgeplane-transport-nosuch in ${cwd}`);
  });

  it('rejects settings for a stage the spec does not have', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${CONFIG}stages.zzz.x=1\n`,
      'in.log': 'a\n',
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'adapters.kv:5:1: stage settings for "zzz", but spec.kv has no stage with that id',
    );
  });

  it('dot --json and run --sp --json print JSON', async () => {
    const cwd = workdir({ 'spec.kv': SPEC });
    expect(
      JSON.parse((await cli(['dot', '--spec=spec.kv', '--json'], { cwd })).stdout).dot,
    ).toMatch(/^digraph/);
    const sp = await cli(['run', '--sp', '--spec=spec.kv', '--json'], { cwd, stdin: 'a\nb\n' });
    expect(JSON.parse(sp.stdout)).toMatchObject({ output: ['a', 'b'], egressMessages: 2 });
  });
});

describe('the runtime', () => {
  it('runs on Node.js 24 (the root devDependency `node`), and doctor says so', async () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    const r = await cli(['doctor', '--json', `--lane-path=${workdir()}/lane`], { cwd: workdir() });
    const report = JSON.parse(r.stdout) as {
      checks: { name: string; status: string; detail: string }[];
    };
    expect(report.checks.find((c) => c.name === 'node')).toEqual({
      scope: 'host',
      name: 'node',
      status: 'ok',
      detail: `Node.js ${process.version}`,
    });
  });

  it('run refuses a Node.js older than the engines floor at once (exit 3), naming the fix', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(['run', '--spec=spec.kv'], { cwd, nodeVersion: 'v20.20.2' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'error: edgeplane run needs Node.js 22.22 or newer; this is v20.20.2',
    );
    expect(r.stderr).toContain('node_modules/node/bin/node apps/edgeplane/dist/cli.js run');
    // validate does not load transports: it still answers on an old Node
    expect((await cli(['validate', '--spec=spec.kv'], { cwd, nodeVersion: 'v20.20.2' })).code).toBe(
      0,
    );
  });

  it('doctor fails a Node.js older than the engines floor and names the fix', async () => {
    const { runDoctor } = await import('@edgeplane/app-kit');
    const report = await runDoctor({ lanePath: `${workdir()}/lane`, nodeVersion: 'v20.19.0' });
    expect(report.ready).toBe(false);
    expect(report.checks.find((c) => c.name === 'node')).toMatchObject({
      status: 'fail',
      detail: 'Node.js v20.19.0 is older than 22.22',
      fix: 'install Node.js 22.22 or newer (24 LTS recommended)',
    });
  });
});

describe('validate runs the checks run makes before opening (issue 16)', () => {
  it('refuses stage settings for a stage id the spec lacks, like run', async () => {
    const config = `${CONFIG}stages.fwd.note=ok\nstages.nosuch.timeoutMs=5\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config });
    const validate = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toBe(
      'error: adapters.kv:6:1: stage settings for "nosuch", but spec.kv has no stage with that id\nhint: stage ids in the spec: fwd\n',
    );
    const run = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(validate.stderr);
  });

  it('refuses an adapter config integer with leading zeros, as the spec does', async () => {
    const r = await bad(SPEC, `${CONFIG}loop.maxRetries=007\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('adapters.kv:5:17: loop.maxRetries: expected an integer');
    expect(r.stderr).toContain('got "007"');
  });

  it('prints at most 20 warnings, then how many more', async () => {
    const extra = Array.from({ length: 50 }, (_, i) => `x.k${i}=v\n`).join('');
    const cwd = workdir({ 'spec.kv': `${SPEC}${extra}` });
    const r = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('and 30 more warnings');
  });

  it('quotes a hostile key with its control bytes escaped', async () => {
    const r = await bad(`${SPEC}\u001b[2J\u001b]0;pwned\u0007=1\n`);
    expect(r.code).toBe(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what the test looks for
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('--json errors, for machines', () => {
  it('validate --json with a bad config prints the error on stdout, field by field (and text on stderr)', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${CONFIG}\negress.lingr=1\n`,
    });
    const r = await cli(['validate', '--spec=spec.kv', '--json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'invalid-config', exit: 2 });
    expect(out.error.message).toContain('adapters.kv');
    expect(out.error.message).toContain('lingr');
    expect(out.error.hint).toBeTruthy();
  });

  it('run --json with a runtime failure gives the error as an object with code and exit', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv':
        'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/missing.log\negress.transport=file\negress.path=${EDGEPLANE_CONFIG_DIR}/out.log\n',
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(r.code).not.toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({ exit: r.code });
    expect(typeof out.error.code).toBe('string');
    expect(out.error.message).toContain('missing.log');
  });
});
