import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI (`pnpm -s turbo run build --filter=@edgeplane/cli` first). */
export const CLI: string = resolve(import.meta.dirname, '../../../../apps/edgeplane/dist/cli.js');

if (!existsSync(CLI)) {
  throw new Error(
    `${CLI} is missing: build the CLI first (pnpm -s turbo run build --filter=@edgeplane/cli)`,
  );
}

/** A SingleRing spec with one identity stage. */
export function spec(capacity = 1024): string {
  return `v=1\nname=http\nmodel=single_ring\nsingle_ring.capacity=${capacity}\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n`;
}

const dirs: string[] = [];

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-http-cli-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export function removeWorkdirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `n` lines with CRLF endings, the last one unterminated, plus the expected sink output. */
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
export function start(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Collects a started process's output until it closes. */
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

/** Runs `edgeplane <args>` to its end. */
export function runCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return finished(start(args, cwd, env));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines of a file (without the final empty piece), or [] when it does not exist. */
export function readLines(path: string): string[] {
  try {
    const text = readFileSync(path, 'utf8');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  } catch {
    return [];
  }
}
