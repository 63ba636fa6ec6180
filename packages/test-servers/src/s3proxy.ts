import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestServerError } from './errors.js';
import { tail } from './exec.js';
import { ensureMavenClasspath, javaBinary } from './kafka-dist.js';
import { withLock } from './lock.js';
import { canConnect, freePort, waitForTcp } from './net.js';
import { cacheDir, packageRoot } from './paths.js';
import { removeAtExit, signalControls, spawnPrivate, terminate } from './private-process.js';
import type { S3TestServer } from './s3.js';
import type { PrivateServer } from './types.js';

/** The S3Proxy version run; keep in sync with s3proxy/pom.xml. */
export const S3PROXY_VERSION = '2.6.0';

const START_TIMEOUT_MS = 60_000;

/** A private S3Proxy (filesystem backend): an S3 test server that can be killed and restarted. */
export interface PrivateS3Proxy extends S3TestServer, PrivateServer {
  /** The filesystem backend's directory (kept across `kill()`/`start()`). */
  readonly dir: string;
}

/** Options of `startS3Proxy`. */
export interface S3ProxyOptions {
  /** Access key id the server accepts (it verifies AWS v2/v4 signatures). Default `edgeplane`. */
  readonly accessKeyId?: string;
  /** Secret access key. Default `edgeplane-secret`. */
  readonly secretAccessKey?: string;
  /** Buckets that exist from the start (directories of the filesystem backend; valid S3 names, 3-63 characters, or S3Proxy ignores them). */
  readonly buckets?: readonly string[];
}

/**
 * Starts S3Proxy (`org.gaul:s3proxy`, from Maven Central: the classpath is resolved with Maven
 * into the cache once, like Kafka's) with its filesystem backend in a fresh temp dir, on a free
 * loopback port, signatures checked (`aws-v2-or-v4`). Path-style addressing. `stop()` ends it and
 * deletes the dir; `kill()` + `start()` restart it on the same port and dir.
 * @throws TestServerError when Java or Maven is missing, or it does not start.
 */
export async function startS3Proxy(options: S3ProxyOptions = {}): Promise<PrivateS3Proxy> {
  // Several test files start one each, in parallel: one of them resolves the classpath.
  const home = join(cacheDir(), `s3proxy-${S3PROXY_VERSION}`);
  mkdirSync(home, { recursive: true });
  const libs = await withLock(join(home, 'resolve.lock'), 15 * 60_000, () =>
    ensureMavenClasspath(
      home,
      join(packageRoot(), 's3proxy', 'pom.xml'),
      's3',
      'or set EDGEPLANE_S3_URL (and use startS3)',
    ),
  );
  const java = javaBinary();
  const dir = mkdtempSync(join(tmpdir(), 'edgeplane-s3proxy-'));
  removeAtExit(dir);
  const data = join(dir, 'data');
  mkdirSync(data);
  for (const bucket of options.buckets ?? []) mkdirSync(join(data, bucket));
  const port = await freePort();
  const accessKeyId = options.accessKeyId ?? 'edgeplane';
  const secretAccessKey = options.secretAccessKey ?? 'edgeplane-secret';
  const properties = join(dir, 's3proxy.conf');
  writeFileSync(
    properties,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${accessKeyId}`,
      `s3proxy.credential=${secretAccessKey}`,
      'jclouds.provider=filesystem',
      `jclouds.filesystem.basedir=${data}`,
      '',
    ].join('\n'),
  );
  const log = join(dir, 's3proxy.log');
  let pid = 0;
  const start = async (): Promise<void> => {
    // After kill() the old process may hold the port for a moment while it exits: wait for it
    // to be free, or waitForTcp below would see the old one.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (!(await canConnect('127.0.0.1', port, 200))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const fd = openSync(log, 'a');
    const child = spawnPrivate(
      java,
      [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        '-cp',
        `${libs}/*`,
        'org.gaul.s3proxy.Main',
        '--properties',
        properties,
      ],
      { cwd: dir, env: { ...process.env, LOG_LEVEL: 'warn' }, stdout: fd },
    );
    closeSync(fd);
    pid = child.pid ?? 0;
    try {
      await waitForTcp('127.0.0.1', port, START_TIMEOUT_MS);
    } catch (error) {
      await terminate(pid, 2_000);
      let text = '';
      try {
        text = tail(readFileSync(log, 'utf8'));
      } catch {
        // no log
      }
      throw new TestServerError(
        's3',
        `S3Proxy did not start: ${(error as Error).message}\n${text}`,
        'check `java -version` (17+) and the log above',
        {
          cause: error,
        },
      );
    }
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    dir,
    accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    forcePathStyle: true,
    provenance: 'started',
    get pid() {
      return pid;
    },
    ...signalControls(() => pid),
    start: () => start(),
    stop: async () => {
      await terminate(pid, 5_000);
    },
  };
}
