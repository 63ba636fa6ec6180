import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PrivateS3Proxy } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapters,
  exited,
  readSnapshot,
  removeWorkdirs,
  type SnapshotDoc,
  sleep,
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

describe('server restart mid-run (built CLI, an S3Proxy of its own, same port and directory)', () => {
  it('s3 → s3 reports reconnecting then ready, and finishes with nothing lost, at most one batch doubled', async () => {
    const total = 100_000;
    const sent = Array.from(
      { length: total },
      (_, i) => `${String(i).padStart(8, '0')} ${'y'.repeat(90)}`,
    );
    await seedLines(raw, 'restart/in/', sent, 1000);
    const s3 = (prefix: string, extra: Record<string, string | number> = {}) => ({
      transport: 's3',
      endpoint: server.url,
      forcePathStyle: 'true',
      bucket: BUCKET,
      prefix,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      reconnectMaxDelayMs: 500,
      ...extra,
    });
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv': adapters(s3('restart/in/', { batchMaxMessages: 200 }), s3('restart/out/'), {
        batchMaxMessages: 200,
        snapshotIntervalMs: 50,
        retryMaxDelayMs: 500,
        maxRetries: 100,
      }),
    });
    const lane = join(cwd, 'lane');
    const child = start(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const seen: { at: number; doc: SnapshotDoc }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const doc = readSnapshot(lane);
        if (doc) seen.push({ at: Date.now(), doc });
        await sleep(20);
      }
    })();
    try {
      await until('10 000 messages out', () => {
        if (child.exitCode !== null) throw new Error(`the run exited early: ${stderr}`);
        const d = readSnapshot(lane);
        return d && d.egress_messages >= 10_000 ? d : undefined;
      });
      const downAt = Date.now();
      await server.kill(); // SIGKILL: connections reset mid-request
      await sleep(500);
      await server.start();
      const upAt = Date.now();
      const code = await exited(child);
      sampling = false;
      await sampler;
      expect(code, stderr).toBe(0);
      const states = (role: 'ingress' | 'egress') =>
        seen.map((s) => s.doc.adapters.find((a) => a.role === role)?.connection_state);
      const reconnected = (['ingress', 'egress'] as const).filter((role) => {
        const list = states(role);
        const at = list.indexOf('reconnecting');
        return at >= 0 && list.slice(at).includes('ready');
      });
      // Both sides were busy: at least one of them saw the outage and came back.
      expect(reconnected.length, JSON.stringify(seen.at(-1)?.doc)).toBeGreaterThan(0);
      const errors = seen
        .filter((s) => s.at > downAt)
        .flatMap((s) => s.doc.adapters.map((a) => a.last_error))
        .filter(Boolean);
      expect(errors.length).toBeGreaterThan(0);
      expect(
        seen.some(
          (s) => s.at >= upAt && s.doc.adapters.every((a) => a.connection_state === 'ready'),
        ),
      ).toBe(true);
      const result = JSON.parse(stdout) as { egressMessages: number };
      expect(result.egressMessages).toBeGreaterThanOrEqual(total);
      // A retried egress batch has the same key and overwrites itself. What the ingress reads
      // again after the restart (past its last checkpoint) is written again: at-least-once, at
      // most one batch (200) doubled; nothing lost, and in order by first appearance.
      const out = await readLinesUnder(raw, 'restart/out/');
      expect(out.length - total).toBeGreaterThanOrEqual(0);
      expect(out.length - total).toBeLessThanOrEqual(200);
      expect([...new Set(out)]).toEqual(sent);
      console.log(
        `server restart: down ${upAt - downAt} ms; reconnected: ${reconnected.join(', ')}; ${result.egressMessages} sent, ${out.length} stored`,
      );
    } finally {
      sampling = false;
      child.kill('SIGKILL');
    }
  }, 120_000);
});
