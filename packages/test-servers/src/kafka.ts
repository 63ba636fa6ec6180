import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import { TestServerError } from './errors.js';
import {
  brokerLogTail,
  brokerPid,
  type KafkaRunPaths,
  kafkaRunPaths,
  launchBroker,
  terminateBroker,
} from './kafka-broker.js';
import { ensureKafkaDistribution, KAFKA_VERSION } from './kafka-dist.js';
import { isAlive, withLock } from './lock.js';
import { canConnect, waitForTcp } from './net.js';
import { cacheDir } from './paths.js';
import type { Provenance, ServerFactory, TestServer } from './types.js';

const { Kafka, logLevel } = kafkajs;

/** The project's fixed loopback broker port; the controller listens on the next one. */
export const DEFAULT_KAFKA_PORT = 19092;

export interface KafkaServerOptions {
  /** Broker port on 127.0.0.1 (controller: port + 1). Default `$EDGEPLANE_KAFKA_PORT` or 19092. */
  readonly port?: number;
  /** How long to wait for a started broker to answer metadata requests. Default 120 s. */
  readonly startTimeoutMs?: number;
  /**
   * Stop the broker in `stop()` if this call started it. Default false: the broker is left
   * running so other test files, workers and runs reuse it (`stopKafka()` ends it).
   */
  readonly stopOnClose?: boolean;
}

export interface KafkaTestServer extends TestServer {
  /** Bootstrap brokers, `host:port`. `url` is the same list joined with commas. */
  readonly brokers: readonly string[];
  readonly provenance: Provenance;
  /** Wall time this ensure took, in ms (download + format + start when `started`). */
  readonly readyInMs: number;
  /** The Kafka version of a broker this package runs (undefined for an env override). */
  readonly version: string | undefined;
  /** Restarts the broker on the same ports and data (see `restartKafka`). */
  restart(): Promise<void>;
}

function portOf(options: KafkaServerOptions): number {
  return options.port ?? Number(process.env.EDGEPLANE_KAFKA_PORT || DEFAULT_KAFKA_PORT);
}

function pathsOf(options: KafkaServerOptions): KafkaRunPaths {
  return kafkaRunPaths(`${cacheDir()}/kafka-${KAFKA_VERSION}`, portOf(options));
}

/**
 * One metadata request (admin connect + listTopics) through kafkajs; throws on failure. With
 * `groups`, also asks for a group's coordinator, which on a new broker creates
 * `__consumer_offsets`: consumers then join without "coordinator not available" retries.
 */
export async function kafkaMetadataCheck(
  brokers: readonly string[],
  groups = false,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'edgeplane-test-servers',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    if (groups) await admin.describeGroups(['edgeplane-test-servers-warmup']);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Retries the metadata check until it passes, the deadline passes or `alive()` turns false. */
async function waitForMetadata(
  brokers: readonly string[],
  timeoutMs: number,
  alive: () => boolean = () => true,
  groups = false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await kafkaMetadataCheck(brokers, groups);
    } catch (error) {
      if (!alive()) throw new Error('the broker process exited', { cause: error });
      if (Date.now() >= deadline) throw error;
      await sleep(500);
    }
  }
}

async function waitForOurBroker(
  paths: KafkaRunPaths,
  port: number,
  pid: number,
  timeoutMs: number,
) {
  const started = Date.now();
  try {
    await waitForTcp('127.0.0.1', port, timeoutMs, () => isAlive(pid));
    const left = Math.max(1_000, timeoutMs - (Date.now() - started));
    await waitForMetadata([`127.0.0.1:${port}`], left, () => isAlive(pid), true);
  } catch (error) {
    throw new TestServerError(
      'kafka',
      `the broker started by test-servers (pid ${pid}) is not ready after ${Date.now() - started} ms: ` +
        `${(error as Error).message}\n--- ${paths.log} (tail) ---\n${brokerLogTail(paths)}`,
      `read ${paths.log}; \`node packages/test-servers/dist/cli.js stop kafka\` and retry; ` +
        `delete ${paths.home} for a clean download`,
      { cause: error },
    );
  }
}

/**
 * Provides the Kafka broker: `$EDGEPLANE_KAFKA_BROKERS` if set; else a broker already answering
 * on 127.0.0.1:<port> (19092); else downloads (once, into the cache) and starts a single-node
 * KRaft Apache Kafka there as a detached daemon, shared by all test files and runs.
 */
export async function ensureKafka(options: KafkaServerOptions = {}): Promise<KafkaTestServer> {
  const began = Date.now();
  const env = process.env.EDGEPLANE_KAFKA_BROKERS?.trim();
  if (env) {
    const brokers = env.split(',').map((b) => b.trim());
    try {
      await waitForMetadata(brokers, 5_000);
    } catch (error) {
      throw new TestServerError(
        'kafka',
        `EDGEPLANE_KAFKA_BROKERS=${env} does not answer a metadata request: ${(error as Error).message}`,
        'start that broker, or unset EDGEPLANE_KAFKA_BROKERS to let test-servers run one',
        { cause: error },
      );
    }
    return server(brokers, 'env', began, undefined, options);
  }
  const port = portOf(options);
  const paths = pathsOf(options);
  const brokers = [`127.0.0.1:${port}`];
  const provenance = await withLock(paths.lock, 20 * 60_000, async (): Promise<Provenance> => {
    const pid = brokerPid(paths);
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    if (pid !== undefined) {
      await waitForOurBroker(paths, port, pid, timeoutMs);
      return 'reused';
    }
    if (await canConnect('127.0.0.1', port, 1_000)) {
      try {
        await waitForMetadata(brokers, 10_000);
        return 'reused';
      } catch (error) {
        throw new TestServerError(
          'kafka',
          `127.0.0.1:${port} accepts connections but does not answer Kafka metadata requests`,
          `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\`) or use EDGEPLANE_KAFKA_PORT`,
          { cause: error },
        );
      }
    }
    await ensureKafkaDistribution(paths.home);
    const started = await launchBroker(paths, port, true);
    await waitForOurBroker(paths, port, started, timeoutMs);
    return 'started';
  });
  return server(brokers, provenance, began, KAFKA_VERSION, options);
}

function server(
  brokers: readonly string[],
  provenance: Provenance,
  began: number,
  version: string | undefined,
  options: KafkaServerOptions,
): KafkaTestServer {
  return {
    url: brokers.join(','),
    brokers,
    provenance,
    version,
    readyInMs: Date.now() - began,
    restart: () => restartKafka(options),
    stop: async () => {
      if (options.stopOnClose && provenance === 'started') await stopKafka(options);
    },
  };
}

/** A `ServerFactory` for Kafka; see `ensureKafka` for where the broker comes from. */
export function kafkaServer(options: KafkaServerOptions = {}): ServerFactory<KafkaTestServer> {
  return () => ensureKafka(options);
}

/** True when a broker this package started runs on that port (pid file + live process). */
export function isKafkaStartedHere(options: KafkaServerOptions = {}): boolean {
  return brokerPid(pathsOf(options)) !== undefined;
}

/** Stops the broker this package started on that port. Resolves false if none was running. */
export async function stopKafka(options: KafkaServerOptions = {}): Promise<boolean> {
  const paths = pathsOf(options);
  return withLock(paths.lock, 2 * 60_000, async () => {
    const pid = brokerPid(paths);
    if (pid === undefined) return false;
    await terminateBroker(paths, pid);
    return true;
  });
}

/**
 * Stops (SIGTERM, clean shutdown) and starts again the broker this package runs, on the same
 * ports and data dir, for "server restart mid-run" tests. Resolves once it answers metadata
 * requests again. Fails when the broker is not one this package started.
 */
export async function restartKafka(options: KafkaServerOptions = {}): Promise<void> {
  const port = portOf(options);
  const paths = pathsOf(options);
  await withLock(paths.lock, 5 * 60_000, async () => {
    const pid = brokerPid(paths);
    if (pid === undefined) {
      throw new TestServerError(
        'kafka',
        `no broker started by test-servers runs on 127.0.0.1:${port}, so it cannot be restarted`,
        'call ensureKafka() first, and do not use EDGEPLANE_KAFKA_BROKERS for restart tests',
      );
    }
    await terminateBroker(paths, pid);
    const started = await launchBroker(paths, port, false);
    await waitForOurBroker(paths, port, started, options.startTimeoutMs ?? 120_000);
  });
}
