import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PrivateS3Proxy } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, crlfInput, removeWorkdirs, runCli, spec, workdir } from './support/cli.js';
import { BUCKET, rawClient, startS3ProxyWithBucket } from './support/s3.js';

let server: PrivateS3Proxy;
let raw: S3Client;
let n = 0;
// The secret reaches the CLI only through the environment, and must never be printed.
const SECRET_VAR = 'EP_S3_CLI_SECRET';

beforeAll(async () => {
  server = await startS3ProxyWithBucket();
  raw = rawClient(server);
  process.env[SECRET_VAR] = server.secretAccessKey;
}, 180_000);

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  removeWorkdirs();
});

const s3 = (prefix: string, extra: Record<string, string | number> = {}) => ({
  transport: 's3',
  endpoint: server.url,
  forcePathStyle: 'true',
  bucket: BUCKET,
  prefix,
  accessKeyId: server.accessKeyId,
  secretAccessKey: `\${${SECRET_VAR}}`,
  ...extra,
});
const prefix = () => `cli-${process.pid}-${n++}/`;

function result(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(server.secretAccessKey);
  return JSON.parse(run.stdout) as {
    egressMessages: number;
    ackedMessages: number;
    reason: string;
  };
}

describe('edgeplane run with s3 (built CLI, real S3Proxy)', () => {
  it('file → s3 → file moves 2000 CRLF lines intact and in order', async () => {
    const p = prefix();
    const { input, expected } = crlfInput(2000, 'event');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'to-s3.kv': adapters({ transport: 'file', path: 'in.log' }, s3(p)),
      'from-s3.kv': adapters(s3(p), { transport: 'file', path: 'out.log' }),
    });
    const toS3 = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-s3.kv', '--lane-path=lane-a', '--json'],
        cwd,
      ),
    );
    expect(toS3.egressMessages).toBe(2000);
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: p }));
    expect(listed.Contents?.length).toBeGreaterThan(0);
    for (const object of listed.Contents ?? []) expect(object.Key).toMatch(/\/\d{20}\.ndjson$/);
    const fromS3 = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=from-s3.kv', '--lane-path=lane-b', '--json'],
        cwd,
      ),
    );
    expect(fromS3).toMatchObject({
      egressMessages: 2000,
      ackedMessages: 2000,
      reason: 'end-of-input',
    });
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
  }, 60_000);

  it('--adapter-max-messages=500 four times moves all 2000 once each, in order (resuming mid-object)', async () => {
    const p = prefix();
    const { input, expected } = crlfInput(2000, 'bounded');
    // Two objects of 1000 lines: each bounded run stops inside one.
    const lines = input.split('\r\n');
    await raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${p}a.log`,
        Body: `${lines.slice(0, 1000).join('\r\n')}\r\n`,
      }),
    );
    await raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${p}b.log`,
        Body: lines.slice(1000).join('\r\n'),
      }),
    );
    const cwd = workdir({
      'spec.kv': spec(),
      'adapters.kv': adapters(s3(p, { batchMaxMessages: 300 }), {
        transport: 'file',
        path: 'out.log',
      }),
    });
    for (let run = 1; run <= 4; run++) {
      const r = result(
        await runCli(
          ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=500', '--json'],
          cwd,
        ),
      );
      expect(r.egressMessages).toBe(500);
      expect(readFileSync(join(cwd, 'out.log'), 'utf8').split('\n').length - 1).toBe(run * 500);
    }
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
  }, 60_000);

  it('a bad option is exit 2 naming it, before anything runs', async () => {
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'adapters.kv': adapters(
        { transport: 'file', path: 'in.log' },
        s3(prefix(), { framing: 'lines' }),
      ),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('"framing"');
    expect(run.stderr).toMatch(/hint:|expected/);
  }, 30_000);

  it('a wrong secret is exit 2 naming secretAccessKey, the secret never printed', async () => {
    process.env.EP_S3_WRONG = 'wrong-secret-value-91d2';
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'adapters.kv': adapters(
        { transport: 'file', path: 'in.log' },
        s3(prefix(), { secretAccessKey: '${EP_S3_WRONG}' }),
      ),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('"secretAccessKey"');
    expect(run.stdout + run.stderr).not.toContain('wrong-secret-value-91d2');
  }, 30_000);
});
