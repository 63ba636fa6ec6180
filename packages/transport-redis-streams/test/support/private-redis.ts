import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisPing } from '@edgeplane/test-servers';

/**
 * A Redis server of the test's own, on a free loopback port, that keeps its data across a restart
 * (append-only file, fsync on every write). The machine's Redis keeps nothing on disk and is
 * shared with the other test files, so a "server restart mid-run" test restarts this one instead.
 */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM: it finishes its AOF) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory; resolves when it answers PING. */
  start(): Promise<void>;
  /** Stops it for good and deletes its directory. */
  destroy(): Promise<void>;
}

export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error('redis-server is not installed: apt-get install redis-server');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ep-redis-private-'));
  const args = [
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
    join(dir, 'redis.log'),
    ...extraArgs,
  ];
  let child: ChildProcess | undefined;
  const ping = async (deadline: number) => {
    for (;;) {
      try {
        await redisPing('127.0.0.1', port);
        return;
      } catch (error) {
        if (Date.now() > deadline || child?.exitCode !== null) {
          const log = (() => {
            try {
              return readFileSync(join(dir, 'redis.log'), 'utf8').slice(-2000);
            } catch {
              return '';
            }
          })();
          throw new Error(
            `private redis-server on ${port} did not answer: ${(error as Error).message}\n${log}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await ping(Date.now() + 20_000);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
