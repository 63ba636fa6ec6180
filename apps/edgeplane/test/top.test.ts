import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import {
  adapters,
  cliSpec,
  cliWorkdir,
  EDGEPLANE_CLI,
  exited,
  readSnapshot,
  removeWorkdirs,
  startCli,
  until,
} from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const children: ChildProcess[] = [];

/** `edgeplane top <args>` (or any command line through `script`), output collected. */
function spawnCollect(command: string, args: readonly string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '80', SHELL: '/bin/sh' };
  delete env.NO_COLOR;
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const got = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => {
    got.stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    got.stderr += c.toString();
  });
  // 'close', not 'exit': the output is all read by then.
  const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, got, exit };
}
const top = (args: readonly string[], cwd: string) =>
  spawnCollect(process.execPath, [EDGEPLANE_CLI, 'top', ...args], cwd);

/** The `in` row of the messages table: [rate, total]. */
function inRow(text: string): [number, number] {
  const m = /^in +([\d,.]+) +([\d,]+)$/m.exec(text);
  if (!m) throw new Error(`no "in" row in:\n${text}`);
  return [Number(m[1]?.replace(/,/g, '')), Number(m[2]?.replace(/,/g, ''))];
}

// A test that failed half-way leaves nothing running (`script` ends its session on SIGTERM).
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
});

describe('edgeplane top against a running loop (file → file, the input appended to)', () => {
  let cwd = '';
  let lane = '';
  let run: ChildProcess | undefined;
  let writer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const config = adapters(
      { transport: 'file', path: '${EDGEPLANE_CONFIG_DIR}/in.log', follow: 'true', pollMs: 20 },
      { transport: 'file', path: '${EDGEPLANE_CONFIG_DIR}/out.log' },
      { snapshotIntervalMs: 200 },
    );
    cwd = cliWorkdir({ 'spec.kv': cliSpec('top-live'), 'adapters.kv': config, 'in.log': '' });
    lane = join(cwd, 'lane');
    run = startCli(['run', '--spec=spec.kv', `--lane-path=${lane}`], cwd);
    let n = 0;
    const batch = () => Array.from({ length: 100 }, () => `line ${n++}\n`).join('');
    writer = setInterval(() => appendFileSync(join(cwd, 'in.log'), batch()), 20);
    await until(
      'the loop moving messages',
      () => (readSnapshot(lane)?.egress_messages ?? 0) > 2000,
    );
  }, 60_000);

  afterAll(async () => {
    clearInterval(writer);
    if (run && run.exitCode === null) {
      run.kill('SIGTERM');
      await exited(run);
    }
    removeWorkdirs();
  });

  it('--once: one plain frame in 80 columns, messages/s from two snapshots, both adapters ready, exit 0', async () => {
    const t = top([`--lane-path=${lane}`, '--once', '--interval-ms=500'], cwd);
    expect(await t.exit).toBe(0);
    expect(t.got.stderr).toBe('');
    const text = t.got.stdout;
    expect(text).not.toContain('\u001b');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toMatch(new RegExp(`^edgeplane top {2}top-live {2}running {2}pid ${run?.pid} `));
    const [rate, total] = inRow(text);
    expect(rate).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(2000);
    expect(text).toMatch(/^MESSAGES +MSG\/S \d+\.\d s +TOTAL$/m);
    expect(text).toMatch(/^file-ingress +in +file +ready +[\d,]+ +\S+( \S+)? +0$/m);
    expect(text).toMatch(/^file-egress +out +file +ready +[\d,]+ +- +0$/m);
    expect(text).toMatch(
      /^RING {2}\[[#.]{10}\] [\d,]+\/1,024 \(\d+%\) {2}slowest stage fwd \([\d,]+ behind\)$/m,
    );
  });

  it('under a pseudo-terminal (script): the frame is redrawn in place, q quits with 0 and restores the cursor', async () => {
    const command = `stty cols 100 rows 40; exec '${process.execPath}' '${EDGEPLANE_CLI}' top --lane-path='${lane}' --interval-ms=300`;
    const t = spawnCollect('script', ['-qfec', command, '/dev/null'], cwd);
    const frames = () => t.got.stdout.split('edgeplane top').length - 1;
    await until('three frames on the terminal', () => frames() >= 3, 20_000);
    const output = t.got.stdout;
    expect(output).toContain('\u001b[?25l'); // cursor hidden while drawing
    expect(output).toContain('\u001b[2K'); // lines erased: redrawn in place, not scrolled
    expect(output).toContain('\u001b[1A');
    expect(output).toContain('q quit · every 300 ms · lane');
    const screen = stripVTControlCharacters(output);
    expect(screen).toMatch(/top-live {2}running/);
    expect(screen).toMatch(/file-egress +out +file +ready/); // 100 columns: the narrow layout
    const totals = [...screen.matchAll(/^in +[\d,.]+ +([\d,]+) *$/gm)].map((m) =>
      Number(m[1]?.replace(/,/g, '')),
    );
    expect(totals.length).toBeGreaterThanOrEqual(2);
    expect(totals.at(-1)).toBeGreaterThan(totals[0] ?? 0);
    for (const line of screen.split(/\r?\n/)) expect(line.length, line).toBeLessThanOrEqual(100);
    t.child.stdin.write('q');
    const code = await Promise.race([
      t.exit,
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(code).toBe(0);
    expect(t.got.stdout.slice(output.length)).toContain('\u001b[?25h'); // cursor shown again
  }, 30_000);

  it('under a pseudo-terminal, Ctrl-C quits with 130 like every verb, and the terminal leaves raw mode', async () => {
    const command = `'${process.execPath}' '${EDGEPLANE_CLI}' top --lane-path='${lane}' --interval-ms=300; echo "top exited $?"; stty -a`;
    const t = spawnCollect('script', ['-qfec', command, '/dev/null'], cwd);
    await until('a frame', () => t.got.stdout.includes('q quit'), 20_000);
    t.child.stdin.write('\u0003');
    const code = await Promise.race([
      t.exit,
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(code).toBe(0);
    expect(t.got.stdout).toContain('top exited 130');
    const modes = t.got.stdout.slice(t.got.stdout.indexOf('top exited'));
    expect(modes).toMatch(/(^|\s)icanon(\s|$)/m); // canonical mode again (raw would be -icanon)
    expect(modes).toMatch(/(^|\s)echo(\s|$)/m);
  }, 30_000);

  it('not a terminal: a frame per new snapshot; when the run ends, its final frame and exit 0', async () => {
    const t = top([`--lane-path=${lane}`, '--interval-ms=200'], cwd);
    await until('two frames', () => t.got.stdout.split('edgeplane top').length > 2, 10_000);
    expect(t.got.stdout).not.toContain('\u001b');
    clearInterval(writer);
    run?.kill('SIGTERM');
    expect(run && (await exited(run))).toBe(143);
    const code = await Promise.race([
      t.exit,
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(code).toBe(0);
    const last = t.got.stdout.split(/^(?=edgeplane top )/m).at(-1) ?? '';
    expect(last).toMatch(/^edgeplane top {2}top-live {2}stopped /);
    expect(last).toMatch(/^the run ended at \d\d:\d\d:\d\dZ: stopped; final snapshot$/m);
    expect(last).toMatch(/^file-ingress +in +file +closed /m);
  }, 30_000);
});

describe('edgeplane top: no snapshot, no lane, bad flags', () => {
  it('an empty lane: the waiting frame naming the path, exit 0 (--once)', async () => {
    const cwd = cliWorkdir();
    mkdirSync(join(cwd, 'lane'));
    const r = await cli(['top', '--lane-path=lane', '--once'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      `edgeplane top  waiting for ${join(cwd, 'lane')}/snapshot.json`,
      '',
      'no snapshot yet: is the loop started?',
    ]);
  });

  it('a --lane-path that does not exist: exit 2 with the fix', async () => {
    const cwd = cliWorkdir();
    const r = await cli(['top', '--lane-path=nowhere'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: lane path ${join(cwd, 'nowhere')} does not exist\nhint: give the --lane-path= the loop runs with (\`edgeplane run --lane-path=DIR\`), or --spec=spec.kv to derive it from the spec as run does\n`,
    );
  });

  it('--interval-ms below 100, or --json: exit 2', async () => {
    const cwd = cliWorkdir();
    const fast = await cli(['top', '--lane-path=.', '--interval-ms=50'], { cwd });
    expect(fast.code).toBe(2);
    expect(fast.stderr).toContain('error: --interval-ms must be at least 100, got 50');
    const json = await cli(['top', '--lane-path=.', '--json'], { cwd });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('error: top has no JSON output');
  });
});
