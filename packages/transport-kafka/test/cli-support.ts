import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built CLI (`pnpm build`, or `npx tsup` in apps/edgeplane). */
export const CLI: string = join(import.meta.dirname, '../../../apps/edgeplane/dist/cli.js');

export function assertCliBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build the CLI first (cd apps/edgeplane && npx tsup)`);
  }
}

export const SPEC =
  'v=1\nname=kafka-test\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';

/** A temp dir with the given files; `cleanup()` removes it. */
export function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-kafka-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Adapter-config lines for a Kafka binding (`role.option=value`). */
export function kafkaBinding(
  role: 'ingress' | 'egress',
  options: Record<string, string | number | boolean>,
): string {
  const lines = [`${role}.transport=kafka`];
  for (const [k, v] of Object.entries(options)) lines.push(`${role}.${k}=${String(v)}`);
  return `${lines.join('\n')}\n`;
}

export function fileBinding(role: 'ingress' | 'egress', path: string): string {
  return `${role}.transport=file\n${role}.path=${path}\n`;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process; `exit` settles when it ends. */
export interface Running {
  readonly child: ChildProcess;
  readonly exit: Promise<Exit>;
}

/** Starts `edgeplane <args>` in `cwd`. */
export function start(args: readonly string[], cwd: string): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

/** Runs `edgeplane <args>` to its end. */
export function run(args: readonly string[], cwd: string): Promise<Exit> {
  return start(args, cwd).exit;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One adapter entry of the snapshot document (reference decision 3). */
export interface AdapterDoc {
  readonly name: string;
  readonly role: string;
  readonly connection_state: string;
  readonly message_count: number;
  readonly recent_failures: number;
  readonly last_error: string | null;
  readonly lag: number | null;
}

export interface SnapshotDoc {
  readonly pid: number;
  readonly state: string;
  readonly ingress_messages: number;
  readonly egress_messages: number;
  readonly adapters: readonly AdapterDoc[];
}

/** The live snapshot a running loop keeps in its lane path (null before the first one). */
export async function readSnapshot(lane: string): Promise<SnapshotDoc | null> {
  try {
    return JSON.parse(await readFile(join(lane, 'snapshot.json'), 'utf8')) as SnapshotDoc;
  } catch {
    return null;
  }
}

/** Polls the lane's snapshot until `ok`, failing with the last one seen after `timeoutMs`. */
export async function snapshotUntil(
  lane: string,
  ok: (doc: SnapshotDoc) => boolean,
  timeoutMs = 30_000,
): Promise<SnapshotDoc> {
  const until = Date.now() + timeoutMs;
  let last: SnapshotDoc | null = null;
  while (Date.now() < until) {
    last = await readSnapshot(lane);
    if (last && ok(last)) return last;
    await sleep(50);
  }
  throw new Error(`snapshot condition not met in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** The lines of a file written by the file sink (LF-terminated), or [] if it does not exist. */
export async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}
