import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServerError } from './errors.js';
import { type ExecResult, exec, tail } from './exec.js';
import { isAlive } from './lock.js';
import { freePort, waitForTcp } from './net.js';
import { cacheDir } from './paths.js';
import {
  removeAtExit,
  signal,
  signalControls,
  spawnPrivate,
  terminate,
  waitGone,
} from './private-process.js';
import { streamPeerProperties } from './stream-protocol.js';
import type { PrivateServer } from './types.js';

/** Where Debian's package keeps the real scripts (/usr/sbin's wrappers `su` to `rabbitmq`). */
const RABBITMQ_BIN = process.env.EDGEPLANE_RABBITMQ_BIN || '/usr/lib/rabbitmq/bin';

export interface PrivateRabbitmqOptions {
  /** How long a (re)start may take to answer the stream protocol. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** More `rabbitmq.conf` lines, e.g. `{ 'stream.frame_max': '4096' }`. */
  readonly conf?: Readonly<Record<string, string>>;
}

/**
 * A private RabbitMQ node with the stream plugin (see `PrivateServer`): `port` is its stream
 * port, `url` a `rabbitmq-stream://guest:guest@127.0.0.1:<port>/` URL.
 */
export interface PrivateRabbitmq extends PrivateServer {
  /** AMQP 0-9-1 port (unused by the stream transport, but the node needs one). */
  readonly amqpPort: number;
  /** Erlang node name, e.g. `ep-3f2a@localhost`. */
  readonly node: string;
  readonly dataDir: string;
  /** `rabbitmqctl <args>` against this node (e.g. `['change_password', 'u', 'p']`); throws on failure. */
  ctl(args: readonly string[]): Promise<string>;
  /** `rabbitmq-streams <args>` against this node. */
  streams(args: readonly string[]): Promise<string>;
  logTail(lines?: number): string;
  /** `stop()`, then deletes the data directory. */
  dispose(): Promise<void>;
}

/**
 * Starts a private RabbitMQ node (the machine's installation, `/usr/lib/rabbitmq/bin`) with only
 * `rabbitmq_stream` enabled, on free ports, with its own node name, Erlang cookie, mnesia and log
 * directories: faults injected into it (SIGSTOP, kill -9, users changed, streams deleted) touch
 * no other test. The node's whole process group (script, `beam.smp`, port programs) is signalled.
 * Starting takes 10-20 s on a small machine.
 */
export async function privateRabbitmq(
  options: PrivateRabbitmqOptions = {},
): Promise<PrivateRabbitmq> {
  const port = await freePort();
  const amqpPort = await freePort();
  const distPort = await freePort();
  mkdirSync(join(cacheDir(), 'private'), { recursive: true });
  const dataDir = mkdtempSync(join(cacheDir(), 'private', `rabbitmq-${port}-`));
  removeAtExit(dataDir);
  const home = join(dataDir, 'home');
  mkdirSync(home);
  mkdirSync(join(dataDir, 'mnesia'));
  mkdirSync(join(dataDir, 'log'));
  const cookie = join(home, '.erlang.cookie');
  writeFileSync(cookie, randomBytes(16).toString('hex').toUpperCase());
  chmodSync(cookie, 0o400);
  writeFileSync(join(dataDir, 'enabled_plugins'), '[rabbitmq_stream].\n');
  const conf: Record<string, string> = {
    'listeners.tcp.1': `127.0.0.1:${amqpPort}`,
    'stream.listeners.tcp.1': `127.0.0.1:${port}`,
    'stream.advertised_host': '127.0.0.1',
    'stream.advertised_port': String(port),
    loopback_users: 'none',
    ...options.conf,
  };
  writeFileSync(
    join(dataDir, 'rabbitmq.conf'),
    `${Object.entries(conf)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );
  const node = `ep-${port}@localhost`;
  const logFile = join(dataDir, 'server.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dataDir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dataDir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dataDir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: join(dataDir, 'rabbitmq.pid'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dataDir, 'advanced.config'),
  };
  const logTail = (lines = 40): string => {
    try {
      return tail(readFileSync(logFile, 'utf8'), lines);
    } catch {
      return '(no log yet)';
    }
  };
  const tool = async (name: string, args: readonly string[]): Promise<string> => {
    const result: ExecResult = await exec(join(RABBITMQ_BIN, name), ['-n', node, ...args], {
      env,
      timeoutMs: 60_000,
    });
    if (result.code !== 0) {
      throw new TestServerError(
        'rabbitmq-stream',
        `\`${name} ${args.join(' ')}\` on the private node ${node} failed (exit ${result.code}): ${tail(`${result.stdout}\n${result.stderr}`, 10)}`,
        `read ${logFile}`,
      );
    }
    return result.stdout;
  };

  let pid = 0;
  let disposed = false;
  const launch = async (args: readonly string[]): Promise<void> => {
    const log = openSync(logFile, 'a');
    try {
      pid = spawnPrivate(join(RABBITMQ_BIN, 'rabbitmq-server'), args, {
        cwd: dataDir,
        env,
        stdout: log,
      }).pid as number;
    } finally {
      closeSync(log);
    }
    const started = pid;
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    try {
      await waitForTcp('127.0.0.1', port, timeoutMs, () => isAlive(started));
      for (;;) {
        try {
          await streamPeerProperties('127.0.0.1', port);
          return;
        } catch (error) {
          if (!isAlive(started)) throw new Error('the node exited', { cause: error });
          if (Date.now() >= deadline) throw error;
          await sleep(300);
        }
      }
    } catch (error) {
      signal(started, 'SIGKILL');
      await waitGone(started, 10_000);
      throw new TestServerError(
        'rabbitmq-stream',
        `the private RabbitMQ node ${node} (stream port ${port}) is not ready: ${(error as Error).message}\n--- ${logFile} (tail) ---\n${logTail()}`,
        `read ${logFile}; is RabbitMQ installed under ${RABBITMQ_BIN} (EDGEPLANE_RABBITMQ_BIN)?`,
        { cause: error },
      );
    }
  };

  await launch([]);
  return {
    url: `rabbitmq-stream://guest:guest@127.0.0.1:${port}/`,
    host: '127.0.0.1',
    port,
    amqpPort,
    node,
    dataDir,
    get pid() {
      return pid;
    },
    logTail,
    ctl: (args) => tool('rabbitmqctl', args),
    streams: (args) => tool('rabbitmq-streams', args),
    ...signalControls(() => pid),
    start: async (args = []) => {
      if (disposed) {
        throw new TestServerError(
          'rabbitmq-stream',
          'the private node was disposed',
          'start a new one',
        );
      }
      if (pid && isAlive(pid)) {
        throw new TestServerError(
          'rabbitmq-stream',
          `the private node (pid ${pid}) still runs`,
          'call kill() or stop() first',
        );
      }
      await launch(args);
    },
    stop: async () => {
      if (pid) await terminate(pid, 30_000);
    },
    dispose: async () => {
      disposed = true;
      if (pid) await terminate(pid, 30_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
