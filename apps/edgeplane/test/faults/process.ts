import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../dist/cli.js');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs still alive when the test file ends (a failed case skipped its cleanup) are killed. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A probe answer from the ops listener. */
export interface Probe {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One `edgeplane run` as a real child process, with its ops listener and lane path. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private readonly child: ChildProcess;

  constructor(
    readonly dir: string,
    readonly opsPort: number,
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
  ) {
    this.child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--spec=spec.kv',
        '--config=adapters.kv',
        '--lane-path=lane',
        `--ops-listen=127.0.0.1:${opsPort}`,
        ...args,
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    this.child.stdout?.on('data', (b: Buffer) => {
      this.stdout += b.toString();
    });
    this.child.stderr?.on('data', (b: Buffer) => {
      this.stderr += b.toString();
    });
    running.add(this.child);
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal, at: Date.now() });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** GET one ops endpoint; status 0 when the listener does not answer. */
  async probe(path: '/healthz' | '/readyz'): Promise<Probe> {
    try {
      const r = await fetch(`http://127.0.0.1:${this.opsPort}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    } catch {
      return { status: 0, body: {} };
    }
  }

  /** The live snapshot from the ops listener (`/snapshot`), or undefined when it does not answer. */
  async live(): Promise<Snapshot | undefined> {
    try {
      const r = await fetch(`http://127.0.0.1:${this.opsPort}/snapshot`, {
        signal: AbortSignal.timeout(2000),
      });
      return r.ok ? ((await r.json()) as Snapshot) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The lane's snapshot.json, or undefined while there is none (or it is being replaced). */
  snapshot(): Snapshot | undefined {
    const path = join(this.dir, 'lane', 'snapshot.json');
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
    } catch {
      return undefined;
    }
  }

  /**
   * Polls `check` every 100 ms until it returns true; resolves with the time it took (ms).
   * @throws Error naming `what`, the last snapshot and stderr, after `timeoutMs`.
   */
  async until(
    what: string,
    check: () => Promise<boolean> | boolean,
    timeoutMs: number,
  ): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (await check()) return Date.now() - t0;
      await sleep(100);
    }
    throw new Error(
      `${what}: not within ${timeoutMs} ms\nsnapshot: ${JSON.stringify(this.snapshot()?.adapters)}\nstderr:\n${this.stderr.slice(-3000)}`,
    );
  }

  /** Waits for the exit, at most `timeoutMs`; kills it (and fails) after that. */
  async exited(timeoutMs: number): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code, at } = await this.exit;
    clearTimeout(timer);
    if (at - t0 >= timeoutMs)
      throw new Error(
        `the run did not exit within ${timeoutMs} ms\nstderr:\n${this.stderr.slice(-3000)}`,
      );
    return { code, ms: at - t0 };
  }
}

/** The parts of a snapshot document the fault cases read. */
export interface Snapshot {
  readonly pid: number;
  readonly state: string;
  readonly error: string | null;
  readonly ended_at: string | null;
  readonly stop_reason: string | null;
  readonly egress_messages: number;
  readonly adapters: readonly AdapterEntry[];
}

export interface AdapterEntry {
  readonly name: string;
  readonly role: 'ingress' | 'egress';
  readonly connection_state: string;
  readonly last_error: string | null;
  readonly last_error_at: string | null;
  readonly cause: string | null;
  readonly cause_at: string | null;
  readonly stalled_since: string | null;
  readonly message_count: number;
}

/** Appends numbered lines to a file at a steady rate until stopped; returns what it wrote. */
export function startFeeder(
  path: string,
  prefix: string,
  perTick = 10,
  tickMs = 50,
): { stop(): string[] } {
  const written: string[] = [];
  const timer = setInterval(() => {
    const lines = Array.from({ length: perTick }, (_, i) => `${prefix} ${written.length + i}`);
    appendFileSync(path, `${lines.join('\n')}\n`);
    written.push(...lines);
  }, tickMs);
  return {
    stop() {
      clearInterval(timer);
      return written;
    },
  };
}
