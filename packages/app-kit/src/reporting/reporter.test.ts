import { setTimeout as sleep } from 'node:timers/promises';
import { idleSnapshot, type LoopSnapshot } from '@edgeplane/adapter-loop';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from './fake-api.js';
import {
  createReporter,
  type HeartbeatInfo,
  type Reporter,
  type ReporterOptions,
} from './index.js';

const KEY = 'sk-agent-SECRET-0123456789abcdef';
const SNAPSHOT: LoopSnapshot = idleSnapshot({
  specName: 'demo',
  specHash: `sha256:${'ab'.repeat(32)}`,
  capacity: 1024,
  stageIds: ['s0'],
  ingress: { name: 'file-ingress', transport: 'file' },
  egress: { name: 'file-egress', transport: 'file' },
});
const HEARTBEAT: HeartbeatInfo = {
  version: '0.1.0',
  state: 'idle',
  specHash: SNAPSHOT.spec_hash,
  tuning: { requested: 'low-latency', applied: 'default', degradedReasons: ['no isolated cores'] },
};

let api: FakeApi;
let lines: string[];
const reporters: Reporter[] = [];

beforeEach(async () => {
  api = await startFakeApi();
  lines = [];
});
afterEach(async () => {
  await Promise.all(reporters.splice(0).map((r) => r.stop()));
  await api.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    BYTEOR_API_BASE_URL: api.baseUrl,
    BYTEOR_AGENT_ID: 'agent/7',
    BYTEOR_AGENT_API_KEY: KEY,
    BYTEOR_HEARTBEAT_INTERVAL_SECS: '0.05',
    BYTEOR_SNAPSHOT_INTERVAL_SECS: '0.05',
    ...extra,
  };
}

function reporter(overrides: Partial<ReporterOptions> = {}): Reporter {
  const r = createReporter({
    env: env(),
    snapshot: () => SNAPSHOT,
    heartbeat: () => HEARTBEAT,
    logger: (line) => lines.push(line),
    ...overrides,
  });
  reporters.push(r);
  return r;
}

const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - (times[i] ?? 0));

describe('createReporter: cadence and payloads', () => {
  it('sends a heartbeat and an idle snapshot at once, before the first interval', async () => {
    const t0 = performance.now();
    // Default intervals (30 s / 10 s): anything that arrives now is the send-at-start.
    reporter({
      env: env({ BYTEOR_HEARTBEAT_INTERVAL_SECS: '', BYTEOR_SNAPSHOT_INTERVAL_SECS: '' }),
    }).start();
    await expect.poll(() => api.requests.length).toBe(2);
    const snap = api.to('/snapshots')[0];
    expect(snap && snap.at - t0).toBeLessThan(1000);
    const body = JSON.parse(snap?.body ?? '{}') as LoopSnapshot;
    expect(body.state).toBe('idle');
    expect(body.adapters.map((a) => [a.connection_state, a.message_count])).toEqual([
      ['ready', 0],
      ['ready', 0],
    ]);
    await sleep(200);
    expect(api.requests).toHaveLength(2);
  });

  it('repeats each kind on its interval (fractional seconds)', async () => {
    const kinds = ['/heartbeat', '/snapshots'];
    const started = Date.now();
    reporter().start();
    // Waits for five of each (no fixed sleep: a loaded machine delays timers), then checks that
    // none came faster than the 50 ms interval allows.
    await expect
      .poll(() => Math.min(...kinds.map((k) => api.to(k).length)), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(5);
    const elapsed = Date.now() - started;
    for (const kind of kinds) {
      const times = api.to(kind).map((r) => r.at);
      // No more sends than one per 50 ms since start: the cadence, without timing any one gap
      // (arrival gaps jitter on a loaded machine; a mean of 44.7 ms failed a CI-like run).
      expect(times.length).toBeLessThanOrEqual(Math.floor(elapsed / 50) + 1);
    }
  });

  it('posts the documented bodies with bearer auth and JSON content type', async () => {
    let clock = Date.parse('2025-06-15T15:00:00Z');
    const r = reporter({ now: () => clock, env: env({ BYTEOR_HEARTBEAT_INTERVAL_SECS: '0.3' }) });
    r.start();
    await expect.poll(() => api.to('/heartbeat').length).toBe(1);
    clock += 12_345;
    await expect.poll(() => api.to('/heartbeat').length).toBe(2);
    const [first, hb] = api.to('/heartbeat');
    expect(JSON.parse(first?.body ?? '')).toMatchObject({
      uptime_secs: 0,
      sent_at: '2025-06-15T15:00:00.000Z',
    });
    expect(hb?.method).toBe('POST');
    expect(hb?.path).toBe('/api/v1/agents/agent%2F7/heartbeat');
    expect(hb?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(hb?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hb?.body ?? '')).toEqual({
      product: 'edgeplane',
      version: '0.1.0',
      state: 'idle',
      spec_hash: SNAPSHOT.spec_hash,
      uptime_secs: 12,
      tuning: {
        requested: 'low-latency',
        applied: 'default',
        degraded_reasons: ['no isolated cores'],
      },
      sent_at: '2025-06-15T15:00:12.345Z',
    });
    await expect.poll(() => api.to('/snapshots').length).toBeGreaterThan(0);
    const snap = api.to('/snapshots')[0];
    expect(snap?.path).toBe('/api/v1/agents/agent%2F7/snapshots');
    expect(JSON.parse(snap?.body ?? '')).toEqual(SNAPSHOT);
    expect(r.status()).toMatchObject({ state: 'running', active: true, agentId: 'agent/7' });
  });

  it('stop() sends a final heartbeat and snapshot with the last state, then nothing', async () => {
    let state: HeartbeatInfo['state'] = 'running';
    const r = reporter({
      env: env({ BYTEOR_HEARTBEAT_INTERVAL_SECS: '60', BYTEOR_SNAPSHOT_INTERVAL_SECS: '60' }),
      heartbeat: () => ({ ...HEARTBEAT, state }),
    });
    r.start();
    await expect.poll(() => api.requests.length).toBe(2);
    state = 'stopped';
    await r.stop();
    expect(api.requests).toHaveLength(4);
    expect(JSON.parse(api.to('/heartbeat')[1]?.body ?? '').state).toBe('stopped');
    expect(r.status().state).toBe('stopped');
    await sleep(150);
    expect(api.requests).toHaveLength(4);
  });
});

describe('createReporter: failures', () => {
  it.each([401, 403])('%i stops that kind only, with one clear log line', async (status) => {
    api.answer((req) => (req.path.endsWith('/heartbeat') ? { status } : {}));
    const r = reporter();
    r.start();
    await sleep(400);
    expect(api.to('/heartbeat')).toHaveLength(1);
    expect(api.to('/snapshots').length).toBeGreaterThanOrEqual(5);
    const auth = lines.filter((l) => l.includes(`HTTP ${status}`));
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatch(
      new RegExp(
        `^\\[reporting\\] heartbeat report rejected with HTTP ${status} \\(.+\\); heartbeat reports stopped$`,
      ),
    );
    expect(r.status().heartbeat).toMatchObject({ state: 'disabled', lastStatus: status, sent: 0 });
    expect(r.status().snapshot.state).toBe('ok');
    await r.stop();
    expect(api.to('/heartbeat')).toHaveLength(1); // no final heartbeat either
  });

  it('429 with Retry-After (seconds) delays the next request, then the cadence resumes', async () => {
    api.answer((req, n) =>
      req.path.endsWith('/snapshots') && n === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : {},
    );
    const r = reporter();
    r.start();
    await expect
      .poll(() => api.to('/snapshots').length, { timeout: 3000 })
      .toBeGreaterThanOrEqual(4);
    const [first, second, ...rest] = gaps(api.to('/snapshots').map((q) => q.at));
    expect(first).toBeGreaterThanOrEqual(990);
    expect(first).toBeLessThan(1400);
    for (const gap of [second, ...rest]) expect(gap).toBeLessThan(400);
    expect(lines.filter((l) => l.includes('429'))).toEqual([
      '[reporting] snapshot report failed: HTTP 429 Too Many Requests; waiting 1 s (Retry-After)',
    ]);
    expect(lines).toContain('[reporting] snapshot reporting recovered after 1 failed attempt(s)');
    expect(api.to('/heartbeat').length).toBeGreaterThanOrEqual(10); // the other kind is unaffected
  });

  it('429 with an HTTP-date Retry-After is honoured too', async () => {
    api.answer((req, n) =>
      req.path.endsWith('/heartbeat') && n === 0
        ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }
        : {},
    );
    reporter().start();
    await expect
      .poll(() => api.to('/heartbeat').length, { timeout: 4000 })
      .toBeGreaterThanOrEqual(2);
    const [gap] = gaps(api.to('/heartbeat').map((q) => q.at));
    expect(gap).toBeGreaterThanOrEqual(900); // HTTP-dates have 1 s resolution
  });

  it('500 backs off exponentially, then resumes the cadence', async () => {
    let failing = true;
    api.answer((req) => (failing && req.path.endsWith('/snapshots') ? { status: 500 } : {}));
    const r = reporter();
    r.start();
    await sleep(1000);
    const times = api.to('/snapshots').map((q) => q.at);
    // Without backoff there would be ~20; with 50 ms doubling (jitter x1-2) at most ~5.
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(6);
    gaps(times).forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(0.8 * 50 * 2 ** i); // arrival jitter
    });
    expect(r.status().snapshot).toMatchObject({ state: 'backing-off', lastStatus: 500 });
    expect(lines.filter((l) => l.includes('HTTP 500'))).toEqual([
      '[reporting] snapshot report failed: HTTP 500 Internal Server Error; backing off',
    ]);
    failing = false;
    await expect.poll(() => r.status().snapshot.state, { timeout: 3000 }).toBe('ok');
    const before = api.to('/snapshots').length;
    await sleep(300);
    expect(api.to('/snapshots').length - before).toBeGreaterThanOrEqual(3);
  });

  it('a hanging server times out, backs off, and does not hold stop() beyond the time-out', async () => {
    api.answer(() => 'hang');
    const r = reporter({ timeoutMs: 300 });
    const t0 = performance.now();
    r.start();
    expect(performance.now() - t0).toBeLessThan(50); // start() never waits for the network
    await expect
      .poll(() => r.status().heartbeat.lastError, { timeout: 2000 })
      .toBe('no answer within 300 ms');
    expect(r.status().heartbeat.state).toBe('backing-off');
    const t1 = performance.now();
    await r.stop();
    expect(performance.now() - t1).toBeLessThan(300 + 250);
  });

  it('survives a refused connection and a throwing snapshot callback', async () => {
    const closed = await startFakeApi();
    await closed.close(); // a port nobody listens on
    const r = reporter({
      env: env({ BYTEOR_API_BASE_URL: closed.baseUrl }),
      snapshot: () => {
        throw new Error(`boom ${KEY}`);
      },
    });
    expect(() => r.start()).not.toThrow();
    await expect.poll(() => r.status().heartbeat.lastError).toBe('request failed: ECONNREFUSED');
    expect(r.status().snapshot.lastError).toBe('boom [redacted]');
    await r.stop();
  });
});

describe('createReporter: configuration', () => {
  it('with only some variables set, says which are missing and sends nothing', async () => {
    const r = reporter({ env: { BYTEOR_API_BASE_URL: api.baseUrl, BYTEOR_AGENT_ID: '' } });
    r.start();
    await sleep(150);
    await r.stop();
    expect(api.requests).toHaveLength(0);
    expect(r.status()).toMatchObject({
      state: 'partially-configured',
      active: false,
      missingVariables: ['BYTEOR_AGENT_ID', 'BYTEOR_AGENT_API_KEY'],
      heartbeat: { state: 'off' },
    });
    expect(lines).toEqual([
      '[reporting] agent reporting off: BYTEOR_AGENT_ID, BYTEOR_AGENT_API_KEY not set (BYTEOR_API_BASE_URL is); set all three to report',
    ]);
  });

  it('is silent when nothing is configured', () => {
    const r = reporter({ env: {} });
    r.start();
    expect(r.status().state).toBe('not-configured');
    expect(lines).toEqual([]);
  });

  it('refuses a base URL that is not http(s), and bad intervals fall back to defaults', () => {
    expect(reporter({ env: env({ BYTEOR_API_BASE_URL: 'ftp://x' }) }).status()).toMatchObject({
      state: 'invalid-config',
      reason:
        'agent reporting off: BYTEOR_API_BASE_URL="ftp://x" is not an http:// or https:// URL',
    });
    const r = reporter({ env: env({ BYTEOR_SNAPSHOT_INTERVAL_SECS: 'soon' }) });
    expect(r.status().snapshot.intervalSecs).toBe(10);
    expect(lines).toContain(
      '[reporting] BYTEOR_SNAPSHOT_INTERVAL_SECS="soon" is not a number of seconds >= 0.01; using 10',
    );
  });
});

describe('createReporter: the API key never leaks', () => {
  it('is absent from every log line, status and recorded request except the auth header', async () => {
    const statuses: unknown[] = [];
    api.answer((req, n) => {
      if (req.path.endsWith('/heartbeat')) return n === 0 ? { status: 500 } : { status: 401 };
      return n === 0 ? 'hang' : { status: 403 };
    });
    let thrown = false;
    const r = reporter({
      timeoutMs: 200,
      heartbeat: () => {
        if (thrown) return HEARTBEAT;
        thrown = true;
        throw new Error(`heartbeat source failed near ${KEY}`);
      },
    });
    r.start();
    await expect.poll(() => r.status().snapshot.state, { timeout: 3000 }).toBe('disabled');
    await expect.poll(() => r.status().heartbeat.state, { timeout: 3000 }).toBe('disabled');
    statuses.push(r.status());
    await r.stop();
    statuses.push(r.status());
    const partial = reporter({ env: { BYTEOR_AGENT_API_KEY: KEY } });
    statuses.push(partial.status());
    const recorded = api.requests.map(({ headers: { authorization, ...rest }, ...req }) => ({
      ...req,
      rest,
    }));
    const everything = JSON.stringify({ lines, statuses, recorded });
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(everything).not.toContain(KEY);
    expect(everything).toContain('heartbeat source failed near [redacted]');
  });
});

describe('createReporter: never holds the process', () => {
  it('keeps no ref-ed timer between reports', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const r = reporter({
      env: env({ BYTEOR_HEARTBEAT_INTERVAL_SECS: '60', BYTEOR_SNAPSHOT_INTERVAL_SECS: '60' }),
    });
    r.start();
    await expect.poll(() => r.status().snapshot.sent + r.status().heartbeat.sent).toBe(2);
    expect(timers()).toBe(before);
  });
});
