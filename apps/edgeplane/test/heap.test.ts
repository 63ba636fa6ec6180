import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heapRelaunch, RUN_HEAP_FLAGS } from '../src/heap.js';
import { CONFIG, SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const proc = (argv: string[], execArgv: string[] = [], env: Record<string, string> = {}) => ({
  argv: ['/usr/bin/node', '/x/cli.js', ...argv],
  execArgv,
  execPath: '/usr/bin/node',
  env,
});

describe('heapRelaunch: the V8 heap sizing of `edgeplane run`', () => {
  it('adds the flags for run, after node’s own options and before the script', () => {
    expect(heapRelaunch(proc(['run', '--spec=s.kv'], ['--cpu-prof']))).toEqual([
      '/usr/bin/node',
      '--cpu-prof',
      ...RUN_HEAP_FLAGS,
      '/x/cli.js',
      'run',
      '--spec=s.kv',
    ]);
  });

  it('leaves every other verb alone', () => {
    for (const verb of ['validate', 'snapshot', 'doctor', 'top', 'replay'])
      expect(heapRelaunch(proc([verb, '--spec=s.kv']))).toBeUndefined();
    expect(heapRelaunch(proc([]))).toBeUndefined();
  });

  it('keeps the operator’s choice: heap flags on node’s command line or in NODE_OPTIONS, or EDGEPLANE_NODE_HEAP=node', () => {
    for (const flag of [
      '--max-old-space-size=4096',
      '--max_old_space_size=4096',
      '--max-semi-space-size=64',
      '--max-heap-size=2048',
      '--optimize-for-size',
    ]) {
      expect(heapRelaunch(proc(['run'], [flag]))).toBeUndefined();
      expect(
        heapRelaunch(proc(['run'], [], { NODE_OPTIONS: `--enable-source-maps ${flag}` })),
      ).toBeUndefined();
    }
    expect(heapRelaunch(proc(['run'], [], { EDGEPLANE_NODE_HEAP: 'node' }))).toBeUndefined();
    expect(heapRelaunch(proc(['run'], [], { NODE_OPTIONS: '--enable-source-maps' }))).toBeDefined();
  });

  it('a real run: the same pid gets the flags, and a SIGTERM still ends it with 143', async () => {
    // A following file ingress: the loop runs until stopped.
    const config = `${CONFIG}ingress.follow=true\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': 'a\n' });
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane'],
      { cwd, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const until = Date.now() + 20_000;
    let cmdline = '';
    while (Date.now() < until && !cmdline.includes('--max-old-space-size')) {
      await new Promise((r) => setTimeout(r, 50));
      cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').join(' ');
    }
    expect(cmdline).toContain(RUN_HEAP_FLAGS.join(' '));
    expect(cmdline).toContain('cli.js run --spec=spec.kv');
    // Wait until the loop has moved the line (it runs) before stopping it.
    while (Date.now() < until) {
      try {
        if (readFileSync(join(cwd, 'out.log'), 'utf8') === 'a\n') break;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
  });
});
