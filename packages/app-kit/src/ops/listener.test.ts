import { createServer } from 'node:net';
import { type AdapterSnapshot, idleSnapshot, type LoopSnapshot } from '@edgeplane/adapter-loop';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOpsMetrics,
  type OpsListener,
  type OpsListenerOptions,
  startOpsListener,
} from './index.js';

const IDLE: LoopSnapshot = idleSnapshot({
  specName: 'demo',
  specHash: null,
  capacity: 1024,
  stageIds: ['s0'],
  ingress: { name: 'kafka-in', transport: 'kafka' },
  egress: { name: 'http-out', transport: 'http' },
});

/** A snapshot with per-adapter overrides. */
function snap(
  top: Partial<LoopSnapshot> = {},
  ingress: Partial<AdapterSnapshot> = {},
  egress: Partial<AdapterSnapshot> = {},
): LoopSnapshot {
  const [i, e] = IDLE.adapters;
  return {
    ...IDLE,
    state: 'running',
    ...top,
    adapters: [
      { ...i, ...ingress },
      { ...e, ...egress },
    ],
  };
}

const listeners: OpsListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function listen(
  snapshot: () => LoopSnapshot,
  extra: Partial<OpsListenerOptions> = {},
): Promise<OpsListener> {
  const l = await startOpsListener({ listen: '127.0.0.1:0', snapshot, ...extra });
  listeners.push(l);
  return l;
}

async function get(l: OpsListener, path: string, init?: RequestInit) {
  const res = await fetch(`${l.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, res };
}

/** Value of one sample line in Prometheus text, e.g. `edgeplane_ring_occupancy_messages`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('startOpsListener: endpoints', () => {
  it('serves the live snapshot document', async () => {
    let current = snap();
    const l = await listen(() => current);
    expect(l.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse((await get(l, '/snapshot')).text)).toEqual(current);
    current = snap({ ingress_messages: 7 });
    const r = await get(l, '/snapshot?pretty');
    expect([r.status, r.type, JSON.parse(r.text).ingress_messages]).toEqual([
      200,
      'application/json; charset=utf-8',
      7,
    ]);
  });

  it('/healthz: 200 below the threshold, 503 at 5 recent failures of adapters still failing', async () => {
    const open = (n: number): Partial<AdapterSnapshot> => ({
      recent_failures: n,
      cause: 'connection refused',
      cause_at: new Date().toISOString(),
    });
    let current = snap({}, open(2), open(2));
    const l = await listen(() => current);
    const ok = await get(l, '/healthz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      status: 'ok',
      state: 'running',
      recent_failures: 4,
      threshold: 5,
      failure_window_ms: 60_000,
    });
    current = snap({}, open(2), open(3));
    const bad = await get(l, '/healthz');
    expect([bad.status, JSON.parse(bad.text).reason]).toEqual([
      503,
      '5 failure(s) in the last 60 s of adapters still failing (kafka-in 2, http-out 3), threshold 5',
    ]);
    // both recovered (causes cleared): 200 at once, though the failures are still in the 60 s window
    current = snap({}, { recent_failures: 2 }, { recent_failures: 3 });
    expect((await get(l, '/healthz')).status).toBe(200);
  });

  it('/healthz: 503 when the loop failed; the threshold is configurable', async () => {
    let current = snap({ state: 'failed' });
    const l = await listen(() => current, { unhealthyFailures: 1 });
    const failed = await get(l, '/healthz');
    expect([failed.status, JSON.parse(failed.text).reason]).toEqual([503, 'the loop has failed']);
    current = snap({}, {}, { recent_failures: 1, cause: 'x', cause_at: new Date().toISOString() });
    expect((await get(l, '/healthz')).status).toBe(503);
    current = snap({ state: 'stopped' });
    expect((await get(l, '/healthz')).status).toBe(200);
  });

  it('/healthz: an incident older than healthFailureWindowMs is unhealthy; a stall is at once', async () => {
    const t0 = Date.parse('2026-06-01T12:00:00.000Z');
    let now = t0;
    const since = new Date(t0).toISOString();
    let current = snap(
      {},
      {},
      {
        connection_state: 'reconnecting',
        recent_failures: 1,
        cause: 'connection refused',
        cause_at: since,
      },
    );
    const l = await listen(() => current, { healthFailureWindowMs: 2_000, now: () => now });
    expect((await get(l, '/healthz')).status).toBe(200);
    expect((await get(l, '/readyz')).status).toBe(503);
    now = t0 + 2_000;
    const old = await get(l, '/healthz');
    expect([old.status, JSON.parse(old.text).reason]).toEqual([
      503,
      `http-out has been failing since ${since} (2 s, window 2 s) without recovering: connection refused`,
    ]);
    current = snap(
      {},
      {},
      {
        connection_state: 'stalled',
        stalled_since: since,
        last_error: 'send outstanding',
      },
    );
    now = t0;
    const stalled = await get(l, '/healthz');
    expect([stalled.status, JSON.parse(stalled.text).reason]).toEqual([
      503,
      `http-out is stalled since ${since}: send outstanding`,
    ]);
    const notReady = await get(l, '/readyz');
    expect([notReady.status, JSON.parse(notReady.text).reason]).toEqual([
      503,
      `not ready: http-out is stalled since ${since}`,
    ]);
    current = snap();
    expect((await get(l, '/healthz')).status).toBe(200);
    expect((await get(l, '/readyz')).status).toBe(200);
  });

  it('refuses a failure window that is not a positive integer', async () => {
    await expect(listen(() => snap(), { healthFailureWindowMs: 0 })).rejects.toThrow(
      'healthFailureWindowMs must be an integer >= 1, got 0',
    );
  });

  it('/readyz: 200 only when both adapters are ready', async () => {
    let current = snap();
    const l = await listen(() => current);
    expect((await get(l, '/readyz')).status).toBe(200);
    current = snap({}, {}, { connection_state: 'reconnecting' });
    const r = await get(l, '/readyz');
    expect([r.status, JSON.parse(r.text).reason]).toEqual([
      503,
      'not ready: http-out is reconnecting',
    ]);
    current = snap({}, { connection_state: 'connecting' }, { connection_state: 'closed' });
    expect(JSON.parse((await get(l, '/readyz')).text).reason).toBe(
      'not ready: kafka-in is connecting, http-out is closed',
    );
  });

  it('answers 404 for unknown paths, 405 for other methods, 500 when the snapshot throws', async () => {
    const l = await listen(() => {
      throw new Error('no loop yet');
    });
    expect((await get(l, '/nope')).status).toBe(404);
    const post = await get(l, '/healthz', { method: 'POST' });
    expect([post.status, post.res.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const broken = await get(l, '/snapshot');
    expect([broken.status, JSON.parse(broken.text)]).toEqual([500, { error: '[ops] no loop yet' }]);
    expect((await get(l, '/healthz', { method: 'HEAD' })).status).toBe(500);
  });
});

describe('startOpsListener: /metrics', () => {
  it('exports snapshot-fed counters and gauges in the Prometheus text format', async () => {
    let current = snap(
      {
        ring: { capacity: 1024, cursor: 99, released: 90, gating: [] },
        acked_messages: 80,
        dropped_messages: 3,
      },
      { message_count: 100, lag: 12, recent_failures: 1 },
      { message_count: 80, lag: null },
    );
    const l = await listen(() => current);
    const first = await get(l, '/metrics');
    expect(first.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const inMsgs =
      'edgeplane_adapter_messages_total{adapter="kafka-in",role="ingress",transport="kafka"}';
    const outMsgs =
      'edgeplane_adapter_messages_total{adapter="http-out",role="egress",transport="http"}';
    expect(sample(first.text, inMsgs)).toBe(100);
    expect(sample(first.text, outMsgs)).toBe(80);
    expect(sample(first.text, 'edgeplane_ring_occupancy_messages')).toBe(9);
    expect(sample(first.text, 'edgeplane_ring_capacity_messages')).toBe(1024);
    expect(
      sample(
        first.text,
        'edgeplane_adapter_lag{adapter="kafka-in",role="ingress",transport="kafka",unit="messages"}',
      ),
    ).toBe(12);
    expect(first.text).not.toContain('edgeplane_adapter_lag{adapter="http-out"');
    expect(
      sample(
        first.text,
        'edgeplane_adapter_recent_failures{adapter="kafka-in",role="ingress",transport="kafka"}',
      ),
    ).toBe(1);
    expect(
      sample(
        first.text,
        'edgeplane_adapter_ready{adapter="http-out",role="egress",transport="http"}',
      ),
    ).toBe(1);
    expect(sample(first.text, 'edgeplane_loop_state{state="running"}')).toBe(1);
    expect(sample(first.text, 'edgeplane_loop_state{state="failed"}')).toBe(0);
    expect(sample(first.text, 'edgeplane_messages_acked_total')).toBe(80);
    expect(sample(first.text, 'edgeplane_messages_dropped_total')).toBe(3);
    expect(first.text).toContain('# TYPE edgeplane_adapter_messages_total counter');
    expect(first.text).toContain('process_cpu_seconds_total');
    // Counters follow the snapshot's growth; a new loop (smaller count) adds its count.
    current = snap({}, { message_count: 150, lag_unit: 'bytes', lag: 4096 }, { message_count: 5 });
    const second = (await get(l, '/metrics')).text;
    expect(sample(second, inMsgs)).toBe(150);
    expect(sample(second, outMsgs)).toBe(85);
    expect(
      sample(
        second,
        'edgeplane_adapter_lag{adapter="kafka-in",role="ingress",transport="kafka",unit="bytes"}',
      ),
    ).toBe(4096);
    expect(second).not.toContain('unit="messages"');
  });

  it('exports batch sizes, egress latency (seconds), retries and failures from the loop hooks', async () => {
    const metrics = createOpsMetrics({ processMetrics: false });
    const l = await listen(() => snap(), { metrics });
    metrics.onEgressBatch({ messages: 10, bytes: 2000, latencyMs: 3, attempts: 1, ok: true });
    metrics.onEgressBatch({ messages: 300, bytes: 70_000, latencyMs: 120, attempts: 3, ok: true });
    metrics.onEgressBatch({ messages: 5, bytes: 50, latencyMs: 9000, attempts: 4, ok: false });
    metrics.onEgressBatch({ messages: Number.NaN, bytes: -1, latencyMs: 1, attempts: 1, ok: true }); // ignored
    metrics.onAdapterFailure({ adapter: 'http-out', role: 'egress', code: 'unavailable' });
    metrics.onAdapterFailure({ adapter: 'http-out', role: 'egress', code: 'unavailable' });
    const text = (await get(l, '/metrics')).text;
    expect(sample(text, 'edgeplane_egress_batch_messages_count')).toBe(2);
    expect(sample(text, 'edgeplane_egress_batch_messages_sum')).toBe(310);
    expect(sample(text, 'edgeplane_egress_batch_messages_bucket{le="16"}')).toBe(1);
    expect(sample(text, 'edgeplane_egress_batch_bytes_sum')).toBe(72_000);
    expect(sample(text, 'edgeplane_egress_latency_seconds_sum')).toBeCloseTo(0.123);
    expect(sample(text, 'edgeplane_egress_latency_seconds_bucket{le="0.005"}')).toBe(1);
    expect(sample(text, 'edgeplane_egress_retries_total')).toBe(2 + 3);
    expect(
      sample(
        text,
        'edgeplane_adapter_failures_total{adapter="http-out",role="egress",code="unavailable"}',
      ),
    ).toBe(2);
    expect(text).not.toContain('process_cpu_seconds_total');
  });

  it('uses a private registry per metrics set, never the global one', async () => {
    const a = await listen(() => snap({}, { message_count: 1 }));
    const b = await listen(() => snap({}, { message_count: 2 }));
    const series =
      'edgeplane_adapter_messages_total{adapter="kafka-in",role="ingress",transport="kafka"}';
    expect(sample((await get(a, '/metrics')).text, series)).toBe(1);
    expect(sample((await get(b, '/metrics')).text, series)).toBe(2);
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
  });
});

describe('startOpsListener: addresses and lifecycle', () => {
  it('refuses a non-loopback address unless explicitly allowed', async () => {
    const options = { listen: '0.0.0.0:0', snapshot: () => snap() };
    await expect(startOpsListener(options)).rejects.toMatchObject({
      code: 'invalid-config',
      message:
        '[ops] invalid ops listen address "0.0.0.0:0": 0.0.0.0 is not a loopback address and the ops endpoints are unauthenticated',
    });
    const open = await startOpsListener({ ...options, allowNonLoopback: true });
    listeners.push(open);
    expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
  });

  it('reports a taken port as conflict', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    await expect(
      startOpsListener({ listen: `127.0.0.1:${port}`, snapshot: () => snap() }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: `[ops] cannot listen on 127.0.0.1:${port}: address already in use`,
    });
    blocker.close();
  });

  it('does not hold the process open, and close() is idempotent', async () => {
    const servers = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    const l = await startOpsListener({ listen: '127.0.0.1:0', snapshot: () => snap() });
    expect(servers()).toBe(before);
    await get(l, '/healthz');
    await Promise.all([l.close(), l.close()]);
    await expect(fetch(`${l.url}/healthz`)).rejects.toThrow();
  });
});
