import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';

/** The built CLI (`pnpm build` or `cd apps/edgeplane && npx tsup` first). */
export const CLI: string = resolve(import.meta.dirname, '../../../../apps/edgeplane/dist/cli.js');

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build the CLI first (cd apps/edgeplane && npx tsup)`);
}

/** A SingleRing spec with one identity stage and the given ring capacity. */
export function spec(capacity = 1024): string {
  return `v=1\nname=rs\nmodel=single_ring\nsingle_ring.capacity=${capacity}\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n`;
}

const dirs: string[] = [];

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-redis-streams-cli-'));
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

/** A plain client for test set-up and checks; `track()` names keys that `cleanup()` deletes. */
export class TestRedis {
  readonly client: Redis;
  private readonly keys: string[] = [];

  constructor(url: string) {
    this.client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.client.on('error', () => {}); // it reconnects by itself (the restart test)
  }

  static async connect(url: string): Promise<TestRedis> {
    const r = new TestRedis(url);
    await r.client.connect();
    return r;
  }

  track(key: string): string {
    this.keys.push(key);
    return key;
  }

  /** Appends `bodies` to `stream` as `body` fields, 5000 per pipeline. */
  async fill(stream: string, bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 5000) {
      const p = this.client.pipeline();
      for (const body of bodies.slice(i, i + 5000)) p.xadd(stream, '*', 'body', body);
      await p.exec();
    }
  }

  /** Every `body` field of `stream`, in order. */
  async bodies(stream: string): Promise<string[]> {
    const out: string[] = [];
    let from = '-';
    for (;;) {
      const page = await this.client.xrange(stream, from, '+', 'COUNT', 10_000);
      for (const [, fields] of page) out.push(fields[fields.indexOf('body') + 1] ?? '');
      if (page.length < 10_000) return out;
      from = `(${page[page.length - 1]?.[0]}`;
    }
  }

  /** Entries pending in `group` (delivered, not acknowledged) plus those not delivered yet. */
  async backlog(stream: string, group: string): Promise<{ pending: number; lag: number }> {
    const groups = (await this.client.xinfo('GROUPS', stream)) as unknown[][];
    const g = groups.find((f) => f[f.indexOf('name') + 1] === group) ?? [];
    return {
      pending: Number(g[g.indexOf('pending') + 1]),
      lag: Number(g[g.indexOf('lag') + 1]),
    };
  }

  async cleanup(): Promise<void> {
    if (this.keys.length > 0 && this.client.status === 'ready') await this.client.del(...this.keys);
    this.client.disconnect();
  }
}
