import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI (`pnpm build` or `cd apps/edgeplane && npx tsup` first). */
export const CLI: string = resolve(import.meta.dirname, '../../../../apps/edgeplane/dist/cli.js');

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build the CLI first (cd apps/edgeplane && npx tsup)`);
}

/** A SingleRing spec with one identity stage and the given ring capacity. */
export function spec(capacity = 1024): string {
  return `v=1\nname=s3\nmodel=single_ring\nsingle_ring.capacity=${capacity}\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n`;
}

const dirs: string[] = [];

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-s3-cli-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export function removeWorkdirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `n` lines `<prefix> <i> …` with CRLF endings, the last one unterminated, plus the expected sink output. */
export function crlfInput(n: number, prefix: string): { input: string; expected: string } {
  const lines = Array.from(
    { length: n },
    (_, i) => `${prefix} ${i}\tzoë ✓ ${'x'.repeat(i % 37)} "quoted" \\ end`,
  );
  return { input: lines.join('\r\n'), expected: `${lines.join('\n')}\n` };
}

/** The adapter config for one binding pair; values are written literally. */
export function adapters(
  ingress: Record<string, string | number>,
  egress: Record<string, string | number>,
  loop: Record<string, string | number> = {},
): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(ingress)) lines.push(`ingress.${k}=${v}`);
  for (const [k, v] of Object.entries(egress)) lines.push(`egress.${k}=${v}`);
  for (const [k, v] of Object.entries(loop)) lines.push(`loop.${k}=${v}`);
  return `${lines.join('\n')}\n`;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `edgeplane <args>` in `cwd`. */
export function start(args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `edgeplane <args>` to its end (asynchronously, so the test process stays responsive). */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const child = start(args, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}

/** Exit code, or -1 when killed by a signal. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
}

export interface AdapterDoc {
  readonly name: string;
  readonly role: 'ingress' | 'egress';
  readonly connection_state: string;
  readonly message_count: number;
  readonly recent_failures: number;
  readonly last_error: string | null;
  readonly lag: number | null;
}

export interface SnapshotDoc {
  readonly state: string;
  readonly pid: number;
  readonly ingress_messages: number;
  readonly egress_messages: number;
  readonly acked_messages?: number;
  readonly adapters: readonly AdapterDoc[];
}

/** The live snapshot a running loop keeps in its lane path (what `edgeplane snapshot` reads). */
export function readSnapshot(lane: string): SnapshotDoc | undefined {
  try {
    return JSON.parse(readFileSync(join(lane, 'snapshot.json'), 'utf8')) as SnapshotDoc;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value, or fails naming `what`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
