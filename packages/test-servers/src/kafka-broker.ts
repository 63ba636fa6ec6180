import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServerError } from './errors.js';
import { exec, tail } from './exec.js';
import { javaBinary, newClusterId } from './kafka-dist.js';
import { isAlive } from './lock.js';
import { canConnect } from './net.js';

/** Files of one broker instance (one per broker port) under the cache dir. */
export interface KafkaRunPaths {
  readonly home: string;
  readonly libs: string;
  readonly run: string;
  readonly data: string;
  readonly properties: string;
  readonly log4j: string;
  readonly log: string;
  readonly pidFile: string;
  readonly lock: string;
}

export function kafkaRunPaths(home: string, port: number): KafkaRunPaths {
  const run = join(home, `run-${port}`);
  return {
    home,
    libs: join(home, 'libs'),
    run,
    data: join(run, 'data'),
    properties: join(run, 'server.properties'),
    log4j: join(run, 'log4j.properties'),
    log: join(run, 'kafka.log'),
    pidFile: join(run, 'kafka.pid'),
    lock: join(home, `run-${port}.lock`),
  };
}

function serverProperties(paths: KafkaRunPaths, port: number): string {
  const controller = port + 1;
  return [
    '# written by @edgeplane/test-servers: single-node KRaft broker on loopback only',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${paths.data}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.state.change.logger=WARN',
  '',
].join('\n');

/** The pid of the broker this package started on these paths, if it is still running. */
export function brokerPid(paths: KafkaRunPaths): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    // guard against pid reuse: the process must be our kafka.Kafka on our properties file
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(paths.properties)) return undefined;
  } catch {
    // no /proc (not Linux): trust the pid file
  }
  return pid;
}

/** The last lines of the broker's log, for error messages. */
export function brokerLogTail(paths: KafkaRunPaths, lines = 40): string {
  try {
    return tail(readFileSync(paths.log, 'utf8'), lines);
  } catch {
    return '(no broker log yet)';
  }
}

/**
 * Starts the broker as a detached daemon that outlives this process. With `fresh`, wipes and
 * formats the data dir with a new cluster id first; without, reuses it (a restart).
 */
export async function launchBroker(
  paths: KafkaRunPaths,
  port: number,
  fresh: boolean,
): Promise<number> {
  const java = javaBinary();
  const classpath = join(paths.libs, '*');
  const log4jArg = `-Dlog4j.configuration=file:${paths.log4j}`;
  for (const p of [port, port + 1]) {
    if (await canConnect('127.0.0.1', p, 500)) {
      throw new TestServerError(
        'kafka',
        `port 127.0.0.1:${p} is already taken by another process`,
        `free it (\`ss -ltnp 'sport = :${p}'\`) or pick other ports with EDGEPLANE_KAFKA_PORT`,
      );
    }
  }
  mkdirSync(paths.run, { recursive: true });
  writeFileSync(paths.properties, serverProperties(paths, port));
  writeFileSync(paths.log4j, LOG4J);
  if (fresh || !existsSync(join(paths.data, 'meta.properties'))) {
    rmSync(paths.data, { recursive: true, force: true });
    const clusterId = newClusterId();
    const args = [log4jArg, '-cp', classpath, 'kafka.tools.StorageTool', 'format'];
    const result = await exec(java, [...args, '-t', clusterId, '-c', paths.properties], {
      timeoutMs: 120_000,
    });
    if (result.code !== 0) {
      throw new TestServerError(
        'kafka',
        `formatting ${paths.data} failed (exit ${result.code}):\n${tail(`${result.stdout}\n${result.stderr}`)}`,
        `delete ${paths.home} to re-download the broker, and check \`${java} -version\` is 17+`,
      );
    }
  }
  const log = openSync(paths.log, fresh ? 'w' : 'a');
  try {
    const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', log4jArg];
    const child = spawn(java, [...jvm, '-cp', classpath, 'kafka.Kafka', paths.properties], {
      cwd: paths.run,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined) {
      throw new TestServerError('kafka', `could not spawn ${java}`, 'check the JDK install');
    }
    writeFileSync(paths.pidFile, String(child.pid));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM, wait up to `timeoutMs` for a clean shutdown, then SIGKILL. */
export async function terminateBroker(
  paths: KafkaRunPaths,
  pid: number,
  timeoutMs = 60_000,
): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  rmSync(paths.pidFile, { force: true });
}
