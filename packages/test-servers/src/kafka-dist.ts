import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestServerError } from './errors.js';
import { exec, tail, which } from './exec.js';
import { cacheDir, packageRoot } from './paths.js';

/** The Apache Kafka version the broker runs; keep in sync with kafka/pom.xml. */
export const KAFKA_VERSION = '3.9.1';

const INSTALL_HINT =
  'install a JDK (17+) and Maven: `apt-get install -y openjdk-17-jre-headless maven`, ' +
  'or set EDGEPLANE_KAFKA_BROKERS to a running broker';

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. Throws if missing. */
export function javaBinary(): string {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  if (fromHome && existsSync(fromHome)) return fromHome;
  const found = which('java');
  if (!found) throw new TestServerError('kafka', 'no `java` found on PATH', INSTALL_HINT);
  return found;
}

/**
 * Makes sure `<home>/libs` holds the broker's jars: on the first call, runs
 * `mvn dependency:copy-dependencies` on kafka/pom.xml into the cache (a minute or so, mostly
 * download); afterwards returns at once. The marker file records the pom's hash, so editing
 * the pom re-resolves.
 */
export function ensureKafkaDistribution(home: string): Promise<string> {
  return ensureMavenClasspath(home, join(packageRoot(), 'kafka', 'pom.xml'));
}

/**
 * The classpath directory (`<cache>/kafka-tools-<version>/libs`) of Kafka's own command-line
 * tools (`org.apache.kafka:kafka-tools`, the broker's version): `ProducerPerformance` and
 * `ConsumerPerformance`, the Java reference of the Kafka bench. Resolved with Maven once, like the
 * broker (kafka-tools/pom.xml), in a directory of its own so the broker's classpath never moves.
 * @throws TestServerError when Maven is missing or cannot resolve the artifacts.
 */
export function ensureKafkaTools(): Promise<string> {
  const home = join(cacheDir(), `kafka-tools-${KAFKA_VERSION}`);
  return ensureMavenClasspath(home, join(packageRoot(), 'kafka-tools', 'pom.xml'));
}

/**
 * The classpath directory (`<cache>/kafka-connect-<version>/libs`) of Kafka Connect at the broker's
 * version: `connect-runtime` (the standalone worker, `org.apache.kafka.connect.cli.ConnectStandalone`),
 * `connect-file` (FileStreamSource / FileStreamSink), `connect-mirror` (MirrorMaker 2's
 * connectors), `connect-api`, `connect-json`, `connect-transforms` and their runtime dependencies,
 * with reload4j for logging: the peer of bench/kafka-connect.mjs. Resolved with Maven once
 * (kafka-connect/pom.xml), in a directory of its own, like `ensureKafkaTools()`.
 * @throws TestServerError when Maven is missing or cannot resolve the artifacts.
 */
export function ensureKafkaConnect(): Promise<string> {
  const home = join(cacheDir(), `kafka-connect-${KAFKA_VERSION}`);
  return ensureMavenClasspath(home, join(packageRoot(), 'kafka-connect', 'pom.xml'));
}

/**
 * `<home>/libs` filled with the runtime dependencies of the dependency-list `pom` (resolved once;
 * a changed pom, by its sha-256, resolves again). Returns the libs directory.
 */
export async function ensureMavenClasspath(
  home: string,
  pom: string,
  server = 'kafka',
  envHint = 'or set EDGEPLANE_KAFKA_BROKERS to a running broker',
): Promise<string> {
  const libs = join(home, 'libs');
  const marker = join(home, 'libs.complete');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return libs;

  const mvn = which('mvn');
  if (!mvn) throw new TestServerError(server, 'no `mvn` found on PATH', INSTALL_HINT);
  mkdirSync(home, { recursive: true });
  const staging = join(home, `libs.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const args = [
    '-q',
    '-B',
    '-f',
    pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${staging}`,
    '-DincludeScope=runtime',
  ];
  const result = await exec(mvn, args, { timeoutMs: 15 * 60_000 });
  if (result.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new TestServerError(
      server,
      `\`mvn ${args.join(' ')}\` failed (exit ${result.code}):\n${tail(`${result.stdout}\n${result.stderr}`)}`,
      'check that Maven Central is reachable (`mvn -v`, ~/.m2/settings.xml), then retry; ' +
        envHint,
    );
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(marker, pomHash);
  return libs;
}

/**
 * A random KRaft cluster id (16 bytes, base64url) that `kafka-storage format -t` accepts: one
 * starting with `-` is taken for an option by its argument parser ("expected one argument"),
 * which failed about one format in 64.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
