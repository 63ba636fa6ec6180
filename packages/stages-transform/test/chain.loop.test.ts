import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoop, createStageResolver } from '@edgeplane/adapter-loop';
import { createFileTransport } from '@edgeplane/transport-file';
import { afterEach, describe, expect, it } from 'vitest';
import { transformStageFactories } from '../src/index.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const spec = (stages: Array<[string, string]>) => ({
  name: 'chain',
  capacity: 256,
  stages: stages.map(([id, stage], i) => ({ id, stage, dependsOn: i ? [i - 1] : [] })),
});

describe('dedupe -> redact in a real loop (file in, file out)', () => {
  it('drops repeated lines (counted, acknowledged), masks addresses, keeps order', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ep-chain-'));
    const input = join(dir, 'in.log');
    const output = join(dir, 'out.log');
    // 1000 distinct lines, each three times (the second and third copies must go).
    const line = (n: number) => `req ${n} from 10.0.${n % 7}.${n % 250} by u${n}@example.com`;
    const lines = Array.from({ length: 3000 }, (_, i) => line(i % 1000));
    await writeFile(input, `${lines.join('\n')}\n`);
    const result = await createLoop({
      spec: spec([
        ['once', 'dedupe'],
        ['mask', 'redact'],
      ]),
      ingress: { transport: createFileTransport({ path: input }) },
      egress: { transport: createFileTransport({ path: output }) },
      stages: createStageResolver(transformStageFactories()),
      stageSettings: {
        once: { by: 'body', window_count: '5000' },
        mask: { presets: 'ipv4,email', mask: '<x>' },
      },
      lanePath: join(dir, 'lane'),
    }).run();
    const out = (await readFile(output, 'utf8')).split('\n').slice(0, -1);
    const unique = lines.slice(0, 1000);
    expect(out).toEqual(
      unique.map((l) => l.replace(/10\.0\.\d+\.\d+/, '<x>').replace(/u\d+@example\.com/, '<x>')),
    );
    expect(result).toMatchObject({
      state: 'stopped',
      ingressMessages: 3000,
      egressMessages: 1000,
      droppedMessages: 2000,
      ackedMessages: 3000,
    });
    expect(out.join('\n')).not.toMatch(/\d+\.\d+\.\d+\.\d+|@example\.com/);
  });
});
