import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TestServerError } from './errors.js';
import { waitForTcp } from './net.js';
import { packageRoot } from './paths.js';
import type { Provenance, ServerFactory, TestServer } from './types.js';

export interface S3TestServer extends TestServer {
  /** The endpoint, `http://127.0.0.1:<port>`. Use path-style addressing. */
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Always true here: s3rver only serves path-style requests. */
  readonly forcePathStyle: boolean;
  readonly provenance: Provenance;
}

const START_TIMEOUT_MS = 20_000;

function fromEnv(url: string): S3TestServer {
  return {
    url,
    accessKeyId: process.env.EDGEPLANE_S3_ACCESS_KEY_ID || 'S3RVER',
    secretAccessKey: process.env.EDGEPLANE_S3_SECRET_ACCESS_KEY || 'S3RVER',
    region: process.env.EDGEPLANE_S3_REGION || 'us-east-1',
    forcePathStyle: true,
    provenance: 'env',
    stop: async () => {},
  };
}

/**
 * Provides an S3-compatible server: `$EDGEPLANE_S3_URL` if set (keys from
 * `EDGEPLANE_S3_ACCESS_KEY_ID` / `EDGEPLANE_S3_SECRET_ACCESS_KEY`); else starts s3rver 3.7.1
 * as a child `node --openssl-legacy-provider` process on a free loopback port with a fresh temp
 * dir. `stop()` ends the child and deletes the dir. Clients must set `forcePathStyle: true` and
 * `requestChecksumCalculation` / `responseChecksumValidation: 'WHEN_REQUIRED'`.
 */
export async function startS3(): Promise<S3TestServer> {
  const env = process.env.EDGEPLANE_S3_URL?.trim();
  if (env) {
    const parsed = new URL(env);
    await waitForTcp(parsed.hostname, Number(parsed.port || 80), 5_000).catch((error: Error) => {
      throw new TestServerError(
        's3',
        `EDGEPLANE_S3_URL=${env}: ${error.message}`,
        'start it or unset it',
      );
    });
    return fromEnv(env);
  }
  const directory = mkdtempSync(join(tmpdir(), 'edgeplane-s3rver-'));
  const script = join(packageRoot(), 'scripts', 's3rver-child.mjs');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, '0', directory], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not listening after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
      child.once('error', reject);
    });
    return {
      url: `http://127.0.0.1:${port}`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      region: 'us-east-1',
      forcePathStyle: true,
      provenance: 'started',
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw new TestServerError(
      's3',
      `s3rver did not start: ${(error as Error).message}\n${stderr.trim()}`,
      'run `pnpm install` (s3rver is a dependency of @edgeplane/test-servers), or set EDGEPLANE_S3_URL',
      { cause: error },
    );
  }
}

/** A `ServerFactory` for S3 (s3rver child process per call); see `startS3`. */
export function s3Server(): ServerFactory<S3TestServer> {
  return startS3;
}
