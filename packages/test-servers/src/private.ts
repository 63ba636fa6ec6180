import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServerError } from './errors.js';
import { which } from './exec.js';
import { freePort } from './net.js';
import { natsInfo, redisPing } from './pings.js';
import type { PrivateServer } from './types.js';

/** Options of `privateRedis()` / `privateNats()`. */
export interface PrivateServerOptions {
  /** Extra command-line arguments for every start (e.g. `['--requirepass', 'x']`). */
  readonly args?: readonly string[] | undefined;
  /** How long a start may take before it fails (default 20 s). */
  readonly startTimeoutMs?: number | undefined;
}

/** A private server, plus `dispose()`: stop it and delete its data directory now. */
export interface DisposablePrivateServer extends PrivateServer {
  /** The server's own data directory (kept across `stop()` / `kill()`, removed by `dispose()`). */
  readonly dataDir: string;
  /** Its log file (inside `dataDir`). */
  readonly logFile: string;
  /** `SIGKILL` if still running, then deletes the data directory. Idempotent. */
  dispose(): Promise<void>;
}

interface Flavour {
  readonly name: 'redis' | 'nats';
  readonly binary: string;
  readonly install: string;
  readonly scheme: string;
  readonly args: (port: number, dir: string, log: string) => string[];
  readonly ping: (host: string, port: number) => Promise<unknown>;
}

const REDIS: Flavour = {
  name: 'redis',
  binary: 'redis-server',
  install: 'apt-get install redis-server',
  scheme: 'redis',
  // append-only with fsync on every write: what a client was told is written survives kill -9
  args: (port, dir, log) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--logfile',
    log,
  ],
  ping: redisPing,
};

const NATS: Flavour = {
  name: 'nats',
  binary: 'nats-server',
  install: 'apt-get install nats-server, or put nats-server (2.9+) on PATH',
  scheme: 'nats',
  args: (port, dir, log) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '-l', log],
  ping: natsInfo,
};

const live = new Set<DisposablePrivateServer>();
let exitHookInstalled = false;

/** On exit of the test process: kill every private server still running, delete their dirs. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of live) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
}

/**
 * Kills `pid` when this process dies however it dies (even `SIGKILL`, where no exit hook runs):
 * a shell that blocks reading a pipe from us and kills the server at end of file. Returns the
 * watchdog, to be killed (not ended) once the server is gone, so it never kills a reused pid.
 */
function watchdog(pid: number): ChildProcess {
  const dog = spawn(
    'sh',
    ['-c', 'cat >/dev/null; kill -KILL "$1" 2>/dev/null', 'watchdog', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  dog.on('error', () => {});
  return dog;
}

/**
 * `kill` returns before a multi-threaded server has actually stopped: one of its threads may
 * still accept and answer a connection for a moment. Waits (synchronously, at most 2 s) until
 * every thread of `pid` is in the stopped state, so that `pause()` means hung when it returns.
 */
function waitStopped(pid: number): void {
  const deadline = Date.now() + 2_000;
  const stopped = (): boolean => {
    try {
      return readdirSync(`/proc/${pid}/task`).every((tid) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        return /^\d+ \(.*\) [Tt]/s.test(stat);
      });
    } catch {
      return true; // no /proc (not Linux) or the process is gone: nothing to wait for
    }
  };
  while (!stopped() && Date.now() < deadline) {
    // spin: pause() is synchronous, and this takes well under a millisecond in practice
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

async function launch(
  flavour: Flavour,
  options: PrivateServerOptions,
): Promise<DisposablePrivateServer> {
  const binary = which(flavour.binary);
  if (!binary) {
    throw new TestServerError(flavour.name, `${flavour.binary} is not on PATH`, flavour.install);
  }
  const host = '127.0.0.1';
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `ep-private-${flavour.name}-`));
  const logFile = join(dataDir, `${flavour.name}.log`);
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let child: ChildProcess | undefined;
  let dog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const running = (): ChildProcess | undefined =>
    child && child.exitCode === null && child.signalCode === null ? child : undefined;

  const waitGone = async (c: ChildProcess, signal: NodeJS.Signals, graceMs: number) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    if (signal !== 'SIGKILL') c.kill('SIGCONT'); // a paused server would never handle SIGTERM
    const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      c.kill('SIGKILL');
      await exited;
    }
  };

  const server: DisposablePrivateServer = {
    host,
    port,
    url: `${flavour.scheme}://${host}:${port}`,
    dataDir,
    logFile,
    get pid(): number {
      return child?.pid ?? -1;
    },
    pause() {
      const c = running();
      if (!c) throw new Error(`private ${flavour.name} on ${port} is not running`);
      c.kill('SIGSTOP');
      if (c.pid !== undefined) waitStopped(c.pid);
    },
    resume() {
      running()?.kill('SIGCONT');
    },
    async kill() {
      const c = running();
      if (c) await waitGone(c, 'SIGKILL', 10_000);
      dog?.kill('SIGKILL');
    },
    async stop() {
      const c = running();
      if (c) await waitGone(c, 'SIGTERM', 10_000);
      dog?.kill('SIGKILL');
    },
    async start(args: readonly string[] = []) {
      if (running()) throw new Error(`private ${flavour.name} on ${port} is already running`);
      const c = spawn(
        binary,
        [...flavour.args(port, dataDir, logFile), ...(options.args ?? []), ...args],
        { stdio: 'ignore' },
      );
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      c.on('error', () => {});
      c.unref();
      if (c.pid !== undefined) dog = watchdog(c.pid);
      live.add(server);
      const deadline = Date.now() + startTimeoutMs;
      for (;;) {
        try {
          await flavour.ping(host, port);
          return;
        } catch (error) {
          if (!running() || Date.now() > deadline) {
            await server.kill();
            throw new TestServerError(
              flavour.name,
              `private ${flavour.binary} on ${host}:${port} did not start: ${(error as Error).message}\n${readTail(logFile)}`,
              `read ${logFile}`,
            );
          }
          await sleep(50);
        }
      }
    },
    async dispose() {
      await server.kill();
      live.delete(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  installExitHook();
  try {
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

/**
 * A `redis-server` of the caller's own on a free loopback port, with its own data directory and
 * an append-only file (`--appendfsync always`, `--save ""`), so its data survives `kill()` and
 * `start()`. Never outlives the test process: killed at exit, and by a watchdog if the process
 * is killed itself.
 */
export function privateRedis(options: PrivateServerOptions = {}): Promise<DisposablePrivateServer> {
  return launch(REDIS, options);
}

/**
 * A `nats-server -js` of the caller's own on a free loopback port, with its own JetStream store
 * (kept across `kill()` and `start()`). Never outlives the test process (see `privateRedis`).
 */
export function privateNats(options: PrivateServerOptions = {}): Promise<DisposablePrivateServer> {
  return launch(NATS, options);
}
