import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordKafka } from '../kafka/table.mjs';
import { deliveryTracker, observeDurable, observeReceive } from '../lib/measure.mjs';
import { epochMs, pace, STAMP_BYTES, stampBody, stampedAt, stampedSeq } from '../lib/paced.mjs';
import { markdown, ratio, svg } from '../lib/report.mjs';
import { record } from '../lib/results.mjs';

const dirs = [];
afterEach(() => {
  delete process.env.EDGEPLANE_BENCH_RESULTS;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('stamps', () => {
  it('round-trips the scheduled time (µs) and the message number', () => {
    const at = 1_796_000_000_123.456;
    const b = stampBody(4_294_967_295, at, 100);
    expect(b.length).toBe(100);
    expect(b.includes(10)).toBe(false);
    expect(stampedSeq(b)).toBe(4_294_967_295);
    expect(stampedAt(b)).toBeCloseTo(at, 3);
    expect(stampBody(1, at, 5).length).toBe(STAMP_BYTES);
  });
});

describe('pace', () => {
  it('offers every message once, in order, stamped with its schedule at the given rate', async () => {
    const seen = [];
    const r = await pace({
      rate: 2000,
      count: 300,
      send: (from, to, atOf) => {
        for (let i = from; i < to; i++) seen.push([i, atOf(i), epochMs()]);
      },
    });
    expect(r.sent).toBe(300);
    expect(seen.map(([i]) => i)).toEqual([...Array(300).keys()]);
    expect(seen[299][1] - seen[0][1]).toBeCloseTo(299 * 0.5, 6);
    // nothing is sent before it is due
    for (const [, at, sentAt] of seen) expect(sentAt).toBeGreaterThanOrEqual(at - 0.001);
    expect(r.seconds).toBeGreaterThan(0.14);
  });

  it('stamps the schedule, not the send time, when a send is slow (no coordinated omission)', async () => {
    const ats = [];
    await pace({
      rate: 1000,
      count: 50,
      send: async (from, to, atOf) => {
        for (let i = from; i < to; i++) ats.push(atOf(i));
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    expect(ats).toHaveLength(50);
    for (let i = 1; i < ats.length; i++) expect(ats[i] - ats[i - 1]).toBeCloseTo(1, 6);
  });
});

describe('deliveryTracker + observeDurable', () => {
  it('histograms latencies after warm-up and counts losses and duplicates', async () => {
    const t = deliveryTracker(4, 1);
    const sink = {
      name: 'mem',
      capabilities: { sink: true },
      open: async () => {},
      close: async () => {},
      send: async () => ({ status: 'ok' }),
    };
    const w = observeDurable(sink, t.onDurable);
    const now = epochMs();
    const body = (seq, ago) => ({ headers: {}, body: stampBody(seq, now - ago, 40) });
    await w.send([body(0, 500), body(1, 10), body(2, 20)]);
    await w.send([body(2, 20)]);
    expect(t.delivered).toBe(3);
    expect(t.duplicates).toBe(1);
    expect(t.missing()).toEqual([3]);
    const s = t.summary();
    expect(s.count).toBe(2); // message 0 is warm-up
    expect(s.p50).toBeGreaterThanOrEqual(10);
    expect(s.max).toBeGreaterThanOrEqual(20);
    expect(s.max).toBeLessThan(400);
    let done = false;
    t.all.then(() => {
      done = true;
    });
    await w.send([body(3, 1)]);
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(true);
  });

  it('takes the in-loop latency from the first receive of each message', async () => {
    const t = deliveryTracker(2, 0);
    const now = epochMs();
    const msg = (seq) => ({ headers: {}, body: stampBody(seq, now - 1000, 40) });
    const source = {
      name: 'mem',
      capabilities: { source: true, maxInFlight: 7 },
      async *receive() {
        yield { messages: [msg(0), msg(1)], ack: async () => {}, nack: async () => {} };
      },
    };
    const w = observeReceive(source, t.onReceived);
    expect(w.capabilities.maxInFlight).toBe(7);
    const batches = [];
    for await (const b of w.receive({})) batches.push(b);
    expect(batches[0].messages).toHaveLength(2);
    t.onDurable(0, now - 1000, epochMs() + 5);
    const inLoop = t.summary(t.inLoop);
    expect(inLoop.count).toBe(1);
    expect(inLoop.max).toBeGreaterThanOrEqual(5);
    expect(inLoop.max).toBeLessThan(500); // from the receive, not from the schedule 1 s ago
    expect(t.summary().max).toBeGreaterThanOrEqual(1000);
    expect(t.summary(t.beforeLoop).max).toBeGreaterThanOrEqual(990); // the schedule → receive part
  });

  it('is complete when the last message to arrive is a warm-up one', async () => {
    const t = deliveryTracker(2, 1);
    t.onDurable(1, epochMs(), epochMs());
    t.onDurable(0, epochMs(), epochMs());
    await expect(
      Promise.race([t.all.then(() => 'all'), new Promise((r) => setTimeout(r, 50, 'no'))]),
    ).resolves.toBe('all');
    expect(t.summary().count).toBe(1);
  });

  it('takes no latency for a batch the sink did not accept', async () => {
    const t = deliveryTracker(1, 0);
    const w = observeDurable(
      {
        name: 'x',
        capabilities: {},
        send: async () => ({ status: 'retryable', error: new Error('x') }),
      },
      t.onDurable,
    );
    await w.send([{ headers: {}, body: stampBody(0, epochMs(), 40) }]);
    expect(t.delivered).toBe(0);
  });
});

describe('results and the report', () => {
  it('appends one JSON line per record when EDGEPLANE_BENCH_RESULTS is set', () => {
    const d = mkdtempSync(join(tmpdir(), 'ep-bench-test-'));
    dirs.push(d);
    process.env.EDGEPLANE_BENCH_RESULTS = join(d, 'r.jsonl');
    record({
      bench: 'x',
      case: 'a',
      unit: 'msg/s',
      series: [{ name: 'edgeplane', role: 'edgeplane', value: 5 }],
    });
    record({
      bench: 'x',
      case: 'b',
      unit: 'ms',
      series: [{ name: 'p50', role: 'edgeplane', value: 1.5 }],
    });
    const rows = readFileSync(join(d, 'r.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.case, r.chart, r.higherIsBetter])).toEqual([
      ['a', true, true],
      ['b', false, false],
    ]);
    expect(typeof rows[0].load1).toBe('number');
  });

  it('refuses a row without a finite value', () => {
    expect(() =>
      record({
        case: 'a',
        unit: 'msg/s',
        series: [{ name: 'e', role: 'edgeplane', value: Number.NaN }],
      }),
    ).toThrow(TypeError);
  });

  it('writes a table row per result and a bar per series', () => {
    const row = {
      case: 'redis → redis',
      unit: 'msg/s',
      chart: true,
      load1: 2.5,
      series: [
        { name: 'edgeplane', role: 'edgeplane', value: 120_000 },
        { name: 'hand-written <pipe>', role: 'baseline', value: 100_000 },
      ],
    };
    const run = {
      date: 'D',
      quick: true,
      machine: { cpus: 2, cpuModel: 'cpu', memGiB: 8, os: 'Linux', loadStart: 1, loadEnd: 2 },
      versions: { node: 'v24', commit: 'c', other: { Kafka: '3.9.1' } },
      benches: [
        { name: 'redis-streams', status: 'ok', results: [row] },
        { name: 'kafka-connect', status: 'skipped', note: 'missing', results: [] },
      ],
    };
    expect(ratio(row)).toBe('120.0 %');
    const md = markdown(run);
    expect(md).toContain(
      '| redis-streams | redis → redis | edgeplane 120 k msg/s | hand-written <pipe> 100 k msg/s | 120.0 % | 2.5 |',
    );
    expect(md).toContain('- kafka-connect: skipped — missing');
    const chart = svg(run);
    expect(chart.match(/<rect [^>]*fill="#2b6cb0"/g)).toHaveLength(2); // one bar + the legend
    expect(chart).toContain('hand-written &lt;pipe&gt;');
    expect(chart.startsWith('<svg')).toBe(true);
  });
});

describe('results of benches that print them', () => {
  it('records the Kafka cases present, best of rounds, with CPU and RSS', () => {
    const rows = [];
    const results = new Map([
      [
        'edgeplane|pipe',
        [
          { msgPerSec: 100, cpuSeconds: 2, rssMiB: 90 },
          { msgPerSec: 120, cpuSeconds: 4, rssMiB: 95 },
        ],
      ],
      ['platformatic|pipe', [{ msgPerSec: 80, cpuSeconds: 3, rssMiB: 70 }]],
      ['edgeplane|egress', [{ msgPerSec: 50, cpuSeconds: 1, rssMiB: 60 }]],
    ]);
    recordKafka((r) => rows.push(r), results, 1_000_000);
    expect(rows).toHaveLength(1); // the egress has nothing to compare with
    expect(rows[0].series).toEqual([
      { name: 'edgeplane', role: 'edgeplane', value: 120 },
      { name: 'hand-written @platformatic/kafka pipe', role: 'baseline', value: 80 },
    ]);
    expect(rows[0].details.rssMiB).toEqual([95, 70]);
  });
});
