import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Running the built `edgeplane` CLI as a child process, for transport packages' CLI, crash and
 * restart tests (each package's `test/support/cli.ts` re-exports this with its spec name).
 */

/** The built CLI of this repository (`pnpm build` first). */
export const EDGEPLANE_CLI: string = resolve(
  import.meta.dirname,
  '../../../apps/edgeplane/dist/cli.js',
);

function cliPath(): string {
  if (!existsSync(EDGEPLANE_CLI)) {
    throw new Error(`${EDGEPLANE_CLI} is missing: build the CLI first (pnpm build)`);
  }
  return EDGEPLANE_CLI;
}

/** A SingleRing spec named `name` with one identity stage and the given ring capacity. */
export function cliSpec(name: string, capacity = 1024): string {
  return `v=1\nname=${name}\nmodel=single_ring\nsingle_ring.capacity=${capacity}\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n`;
}

const dirs: string[] = [];

/** A temp dir `<prefix>XXXXXX` with the given files (removed by `removeWorkdirs()`). */
export function cliWorkdir(
  files: Record<string, string | Buffer> = {},
  prefix = 'ep-cli-',
): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Removes every directory `cliWorkdir()` made. */
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

/** How a CLI run ended and what it printed. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `edgeplane <args>` in `cwd`, with `env` added to this process's environment. */
export function startCli(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  return spawn(process.execPath, [cliPath(), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Collects a started CLI's output until it closes. */
export function finished(child: ChildProcess): Promise<CliResult> {
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

/** Runs `edgeplane <args>` to its end (asynchronously, so the test process stays responsive). */
export function runEdgeplane(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return finished(startCli(args, cwd, env));
}

/** A file's text, or '' when it does not exist yet. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A file's lines (without the final empty piece), or [] when it does not exist. */
export function readLines(path: string): string[] {
  const text = readText(path);
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Exit code, or -1 when killed by a signal. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
}

/** An adapter entry of the snapshot, as these tests read it. */
export interface AdapterDoc {
  readonly name: string;
  readonly role: 'ingress' | 'egress';
  readonly connection_state: string;
  readonly message_count: number;
  readonly recent_failures: number;
  readonly last_error: string | null;
  readonly lag: number | null;
}

/** The snapshot document, as these tests read it. */
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

/** Resolves after `ms`. */
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

/** Collects a started process's output (for the assertion messages). */
export function collect(child: ChildProcess): { text: () => string; stdout: () => string } {
  let out = '';
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return { text: () => out, stdout: () => stdout };
}

/** Lines of `file` in `cwd` (without the last newline); [] when it does not exist yet. */
export function fileLines(cwd: string, file: string): string[] {
  try {
    return readFileSync(join(cwd, file), 'utf8').split('\n').slice(0, -1);
  } catch {
    return [];
  }
}
