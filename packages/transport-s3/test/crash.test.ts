import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PrivateS3Proxy } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointFile, SEQUENCE_FILE } from '../src/index.js';
import {
  adapters,
  exited,
  readSnapshot,
  removeWorkdirs,
  runCli,
  spec,
  start,
  until,
  workdir,
} from './support/cli.js';
import {
  BUCKET,
  rawClient,
  readLinesUnder,
  seedLines,
  startS3ProxyWithBucket,
} from './support/s3.js';

let server: PrivateS3Proxy;
let raw: S3Client;

beforeAll(async () => {
  server = await startS3ProxyWithBucket();
  raw = rawClient(server);
}, 180_000);

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  removeWorkdirs();
});

describe('kill -9 mid-run (built CLI, S3Proxy)', () => {
  it('s3 → s3, then restart: every line at least once, duplicates within one egress batch', async () => {
    const total = 60_000;
    const window = 256; // loop.batchMaxMessages: the egress batch written but not yet acknowledged
    const sent = Array.from({ length: total }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
    await seedLines(raw, 'crash/in/', sent, 1000);
    const s3 = (prefix: string, extra: Record<string, string | number> = {}) => ({
      transport: 's3',
      endpoint: server.url,
      forcePathStyle: 'true',
      bucket: BUCKET,
      prefix,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      ...extra,
    });
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv': adapters(s3('crash/in/', { batchMaxMessages: 256 }), s3('crash/out/'), {
        batchMaxMessages: window,
        snapshotIntervalMs: 50,
      }),
    });
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await until(
      '20 000 messages out',
      () => (readSnapshot(join(cwd, 'lane'))?.egress_messages ?? 0) >= 20_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    const written = (await readLinesUnder(raw, 'crash/out/')).length;
    expect(written).toBeLessThan(total); // really mid-way
    const checkpoint = await readCheckpointFile(join(cwd, 'lane', 'ingress'));
    expect(checkpoint?.key).toMatch(/^crash\/in\//);
    const seqBefore = readFileSync(join(cwd, 'lane', 'egress', SEQUENCE_FILE), 'utf8');
    const second = await runCli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
    expect(second.code, second.stderr).toBe(0);
    const out = await readLinesUnder(raw, 'crash/out/');
    expect(new Set(out)).toEqual(new Set(sent));
    const duplicates = out.length - total;
    console.log(
      `kill -9 after ${written} of ${total} stored (checkpoint ${checkpoint?.key}@${checkpoint?.offset}): ` +
        `${duplicates} duplicates after restart (window ${window}); sink sequence file ${seqBefore}`,
    );
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
    // The objects of the second run sort after those of the first: output order is input order,
    // but for the duplicated batch.
    const known = new Set<string>();
    const firstSeen = out.filter((line) => !known.has(line) && known.add(line));
    expect(firstSeen).toEqual(sent);
  }, 120_000);
});
