import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLoop,
  createStageResolver,
  type InboundBatch,
  type OutboundMessage,
  type Transport,
} from '@edgeplane/adapter-loop';
import { createFileTransport } from '@edgeplane/transport-file';
import { afterEach, describe, expect, it } from 'vitest';
import { transformStageFactories } from '../src/index.js';

const RATE = 200; // messages/s
const BURST = 20;
const LINES = 700; // (700 - 20) / 200 = 3.4 s at least
const CAPACITY = 64;

/** What the wrappers saw: egress sends and ingress acks, in time order (ms since start). */
interface Seen {
  start: number;
  egressed: number;
  egressTimes: Array<{ at: number; total: number }>;
  read: number;
  /** At each ack: the acknowledged total and what the egress had taken by then. */
  acks: Array<{ acked: number; egressed: number }>;
}

/** The real file source, counting reads and recording each ack against the egress count. */
function spySource(inner: Transport, seen: Seen): Transport {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    open: (ctx) => inner.open(ctx),
    close: () => inner.close(),
    async *receive(options) {
      for await (const batch of (inner.receive as NonNullable<Transport['receive']>)(options)) {
        const base = seen.read;
        seen.read += batch.messages.length;
        const wrapped: InboundBatch = {
          messages: batch.messages,
          nack: (o) => batch.nack(o),
          ack: (count = batch.messages.length) => {
            seen.acks.push({ acked: base + count, egressed: seen.egressed });
            return batch.ack(count);
          },
        };
        yield wrapped;
      }
    },
  };
}

/** The real file sink, counting what it took (after the write succeeded). */
function spySink(inner: Transport, seen: Seen): Transport {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    open: (ctx) => inner.open(ctx),
    close: () => inner.close(),
    async send(batch: readonly OutboundMessage[], signal?: AbortSignal) {
      const result = await (inner.send as NonNullable<Transport['send']>)(batch, signal);
      if (result.status === 'ok') {
        seen.egressed += batch.length;
        seen.egressTimes.push({ at: performance.now() - seen.start, total: seen.egressed });
      }
      return result;
    },
  };
}

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rate_limit in a real loop (file in, file out)', () => {
  it('holds the egress within burst + rate * t, drops nothing, and acknowledges nothing before the egress took it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ep-rate-'));
    const input = join(dir, 'in.log');
    const output = join(dir, 'out.log');
    const lines = Array.from({ length: LINES }, (_, i) => `line ${i}`);
    await writeFile(input, `${lines.join('\n')}\n`);
    const seen: Seen = { start: 0, egressed: 0, egressTimes: [], read: 0, acks: [] };
    const loop = createLoop({
      spec: {
        name: 'rate',
        capacity: CAPACITY,
        stages: [{ id: 'limit', stage: 'rate_limit', dependsOn: [] }],
      },
      ingress: {
        transport: spySource(createFileTransport({ path: input, batchMaxMessages: 50 }), seen),
      },
      egress: { transport: spySink(createFileTransport({ path: output }), seen) },
      stages: createStageResolver(transformStageFactories()),
      stageSettings: { limit: { rate: String(RATE), burst: String(BURST) } },
      batch: { maxMessages: 10, lingerMs: 0 },
      lanePath: join(dir, 'lane'),
    });
    // While it runs: how far ahead of the egress the ingress got (the ring holds it back).
    let worstAhead = 0;
    const probe = setInterval(() => {
      worstAhead = Math.max(worstAhead, seen.read - seen.egressed);
    }, 5);
    seen.start = performance.now();
    const result = await loop.run();
    const elapsed = performance.now() - seen.start;
    clearInterval(probe);

    // Nothing dropped, in order, everything acknowledged once delivered.
    expect(result).toMatchObject({
      state: 'stopped',
      reason: 'end-of-input',
      ingressMessages: LINES,
      egressMessages: LINES,
      ackedMessages: LINES,
    });
    expect((await readFile(output, 'utf8')).split('\n').slice(0, -1)).toEqual(lines);
    expect(result.droppedMessages).toBe(0);

    // The cap: at every egress, the total taken is at most burst + rate * t (t from the start).
    for (const e of seen.egressTimes)
      expect(e.total).toBeLessThanOrEqual(BURST + (RATE * e.at) / 1000);
    // ... and the run lasted at least what the cap demands; not wildly more (it was not stuck).
    expect(elapsed).toBeGreaterThanOrEqual(((LINES - BURST) / RATE) * 1000);
    expect(elapsed).toBeLessThan(((LINES - BURST) / RATE) * 1000 + 3000);
    const rate = (LINES / elapsed) * 1000;
    expect(rate).toBeLessThanOrEqual(RATE + BURST);
    expect(rate).toBeGreaterThan(RATE * 0.7);

    // Backpressure: the ingress never ran further ahead of the egress than the ring (64), what
    // the release step handed the egress batcher (at most a ring's worth plus two queued
    // batches of 10) and one read batch (50) — far less than the 700 lines of the file.
    expect(worstAhead).toBeGreaterThan(CAPACITY / 2);
    expect(worstAhead).toBeLessThanOrEqual(2 * CAPACITY + 2 * 10 + 50);
    expect(seen.read).toBe(LINES);

    // Nothing acknowledged early: every ack covers only what the egress had already taken.
    expect(seen.acks.length).toBeGreaterThan(0);
    for (const a of seen.acks) expect(a.acked).toBeLessThanOrEqual(a.egressed);
    expect(Math.max(...seen.acks.map((a) => a.acked))).toBe(LINES);
  }, 30_000);
});
