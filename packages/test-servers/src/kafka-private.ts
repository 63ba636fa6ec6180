import { randomBytes } from 'node:crypto';
import {
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
import kafkajs from 'kafkajs';
import { TestServerError } from './errors.js';
import { exec, tail } from './exec.js';
import { ensureKafkaDistribution, javaBinary, KAFKA_VERSION, newClusterId } from './kafka-dist.js';
import { addKafkaTlsListener, type KafkaTlsListener } from './kafka-tls.js';
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
import type { PrivateServer } from './types.js';

const { Kafka, logLevel } = kafkajs;

/** SASL/PLAIN users of a private broker: user name → password. */
export type KafkaUsers = Readonly<Record<string, string>>;

export interface PrivateKafkaOptions {
  /** Broker port on 127.0.0.1. Default: a free port picked now. The controller gets another. */
  readonly port?: number;
  /**
   * Serve SASL_PLAINTEXT with the PLAIN mechanism and these users instead of PLAINTEXT. The
   * broker itself uses the user `admin` (added with a random password when not listed), which
   * is a super user when `acls` is on.
   */
  readonly saslUsers?: KafkaUsers;
  /**
   * Turn on the KRaft `StandardAuthorizer` (needs `saslUsers`): `admin` is a super user, every
   * other principal is allowed what no ACL denies (`allow.everyone.if.no.acl.found=true`), so a
   * test denies with `createAcls` mid-run.
   */
  readonly acls?: boolean;
  /** More `server.properties` lines, e.g. `{ 'message.max.bytes': '2000' }`. */
  readonly properties?: Readonly<Record<string, string>>;
  /** How long a (re)start may take to answer metadata requests. Default 120 s. */
  readonly startTimeoutMs?: number;
  /**
   * Also serve a TLS listener (SASL_SSL with `saslUsers`, else SSL) on `tls.port` (default: a free
   * port) with the PKI's server certificate, requiring client certificates: see `tlsPort`.
   */
  readonly tls?: KafkaTlsListener;
}

/** A single-node KRaft broker for one test file alone (see `PrivateServer`). */
export interface PrivateKafka extends PrivateServer {
  /** `['127.0.0.1:<port>']`. */
  readonly brokers: readonly string[];
  readonly controllerPort: number;
  /** Its own data directory (kept by `stop()` and `kill()`; removed by `dispose()` and at exit). */
  readonly dataDir: string;
  /** The TLS listener's port, with `tls` (`brokers` stays the plaintext listener). */
  readonly tlsPort: number | undefined;
  /** SASL users it was started with (absent: PLAINTEXT). */
  readonly saslUsers: KafkaUsers | undefined;
  /** The super user's credentials, with `saslUsers`. */
  readonly admin: { readonly username: string; readonly password: string } | undefined;
  /** The last lines of its log, for failure messages. */
  logTail(lines?: number): string;
  /** A kafkajs client as the super user (or anonymous without SASL), for test set-up. */
  adminClient(): kafkajs.Kafka;
  /** `stop()`, then deletes the data directory; the server cannot be started again. */
  dispose(): Promise<void>;
}

/**
 * `start()` arguments that replace the SASL users (credentials changed mid-run):
 * `await server.stop(); await server.start(kafkaUsersOverride(server, { alice: 'new' }))`.
 */
export function kafkaUsersOverride(server: PrivateKafka, users: KafkaUsers): string[] {
  if (!server.admin) throw new Error('kafkaUsersOverride: the broker was started without SASL');
  return ['--override', `${JAAS_KEY}=${jaas(server.admin, users)}`];
}

const JAAS_KEY = 'listener.name.sasl_plaintext.plain.sasl.jaas.config';

function jaas(admin: { username: string; password: string }, users: KafkaUsers): string {
  const all = { ...users, [admin.username]: admin.password };
  const entries = Object.entries(all).map(([u, p]) => `user_${u}="${p}"`);
  return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}" ${entries.join(' ')};`;
}

function properties(
  dataDir: string,
  port: number,
  controller: number,
  admin: { username: string; password: string } | undefined,
  options: PrivateKafkaOptions,
  tlsPort: number | undefined,
): string {
  const listener = admin ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const lines: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controller}`,
    listeners: `${listener}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    'advertised.listeners': `${listener}://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': listener,
    'listener.security.protocol.map': `${listener}:${listener},CONTROLLER:PLAINTEXT`,
    'log.dirs': join(dataDir, 'log'),
    'num.partitions': '1',
    'auto.create.topics.enable': 'true',
    'delete.topic.enable': 'true',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '2',
  };
  if (admin) {
    lines['sasl.enabled.mechanisms'] = 'PLAIN';
    lines['sasl.mechanism.inter.broker.protocol'] = 'PLAIN';
    lines[JAAS_KEY] = jaas(admin, options.saslUsers ?? {});
  }
  if (options.acls) {
    lines['authorizer.class.name'] = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
    // the controller listener is PLAINTEXT (principal ANONYMOUS): it must stay authorised
    lines['super.users'] = `User:${admin?.username ?? 'admin'};User:ANONYMOUS`;
    lines['allow.everyone.if.no.acl.found'] = 'true';
  }
  if (options.tls && tlsPort) addKafkaTlsListener(lines, options.tls, tlsPort, lines[JAAS_KEY]);
  Object.assign(lines, options.properties ?? {});
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.state.change.logger=WARN',
  'log4j.logger.kafka.controller=WARN',
  '',
].join('\n');

/**
 * Starts a private single-node KRaft Kafka broker (the jars test-servers caches) on its own free
 * ports and data dir, for fault injection: `pause()` (SIGSTOP) hangs it, `kill()` SIGKILLs it,
 * `start(args)` starts it again on the same ports and data (args go to `kafka.Kafka`, e.g.
 * `['--override', 'k=v']`), `stop()` ends it cleanly (SIGTERM) keeping its data, `dispose()`
 * also deletes the data. It never outlives the test process, and its data dir is removed when
 * that process exits (see `spawnPrivate`). Use `saslUsers` / `acls` for credential and ACL faults.
 */
export async function privateKafka(options: PrivateKafkaOptions = {}): Promise<PrivateKafka> {
  const home = join(cacheDir(), `kafka-${KAFKA_VERSION}`);
  await ensureKafkaDistribution(home);
  const java = javaBinary();
  const port = options.port ?? (await freePort());
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  let tlsPort = options.tls ? (options.tls.port ?? (await freePort())) : undefined;
  while (!options.tls?.port && tlsPort !== undefined && [port, controllerPort].includes(tlsPort))
    tlsPort = await freePort();
  mkdirSync(join(cacheDir(), 'private'), { recursive: true });
  const dataDir = mkdtempSync(join(cacheDir(), 'private', `kafka-${port}-`));
  removeAtExit(dataDir);
  const admin = options.saslUsers
    ? { username: 'admin', password: options.saslUsers.admin ?? randomBytes(8).toString('hex') }
    : undefined;
  const propsFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');
  const logFile = join(dataDir, 'kafka.log');
  writeFileSync(propsFile, properties(dataDir, port, controllerPort, admin, options, tlsPort));
  writeFileSync(log4jFile, LOG4J);
  const classpath = join(home, 'libs', '*');
  const log4jArg = `-Dlog4j.configuration=file:${log4jFile}`;
  const format = await exec(
    java,
    [
      log4jArg,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      propsFile,
    ],
    { timeoutMs: 120_000 },
  );
  if (format.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new TestServerError(
      'kafka',
      `formatting the private broker's ${dataDir} failed (exit ${format.code}):\n${tail(`${format.stdout}\n${format.stderr}`)}`,
      `check \`${java} -version\` is 17+, and the jars under ${home}/libs`,
    );
  }
  const brokers = [`127.0.0.1:${port}`];
  const logTail = (lines = 40): string => {
    try {
      return tail(readFileSync(logFile, 'utf8'), lines);
    } catch {
      return '(no broker log yet)';
    }
  };
  const adminClient = (): kafkajs.Kafka =>
    new Kafka({
      clientId: 'edgeplane-private-kafka',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
      ...(admin ? { sasl: { mechanism: 'plain' as const, ...admin } } : {}),
    });

  let pid = 0;
  let disposed = false;
  const launch = async (args: readonly string[]): Promise<void> => {
    const log = openSync(logFile, 'a');
    try {
      const jvm = ['-Xms96m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
      const child = spawnPrivate(
        java,
        [
          ...jvm,
          '-Djava.awt.headless=true',
          log4jArg,
          '-cp',
          classpath,
          'kafka.Kafka',
          propsFile,
          ...args,
        ],
        { cwd: dataDir, stdout: log },
      );
      pid = child.pid as number;
    } finally {
      closeSync(log);
    }
    const started = pid;
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    try {
      await waitForTcp('127.0.0.1', port, timeoutMs, () => isAlive(started));
      for (;;) {
        const client = adminClient().admin();
        try {
          await client.connect();
          await client.listTopics();
          // creates __consumer_offsets, so the first consumer does not wait for a coordinator
          await client.describeGroups(['edgeplane-private-warmup']);
          return;
        } catch (error) {
          if (!isAlive(started)) throw new Error('the broker process exited', { cause: error });
          if (Date.now() >= deadline) throw error;
          await sleep(300);
        } finally {
          await client.disconnect().catch(() => {});
        }
      }
    } catch (error) {
      signal(started, 'SIGKILL');
      await waitGone(started, 10_000);
      throw new TestServerError(
        'kafka',
        `the private broker on 127.0.0.1:${port} (pid ${started}) is not ready: ${(error as Error).message}\n--- ${logFile} (tail) ---\n${logTail()}`,
        `read ${logFile}`,
        { cause: error },
      );
    }
  };
  const ensureDown = async (): Promise<void> => {
    if (pid && isAlive(pid)) {
      throw new TestServerError(
        'kafka',
        `the private broker (pid ${pid}) still runs`,
        'call kill() or stop() before start()',
      );
    }
  };

  await launch([]);
  return {
    url: brokers.join(','),
    brokers,
    host: '127.0.0.1',
    port,
    controllerPort,
    tlsPort,
    dataDir,
    saslUsers: options.saslUsers,
    admin,
    get pid() {
      return pid;
    },
    logTail,
    adminClient,
    ...signalControls(() => pid),
    start: async (args = []) => {
      if (disposed) {
        throw new TestServerError('kafka', 'the private broker was disposed', 'start a new one');
      }
      await ensureDown();
      await launch(args);
    },
    stop: async () => {
      if (pid) await terminate(pid, 20_000);
    },
    dispose: async () => {
      disposed = true;
      if (pid) await terminate(pid, 20_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
