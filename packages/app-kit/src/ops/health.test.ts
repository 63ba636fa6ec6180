import { type AdapterSnapshot, idleSnapshot, type LoopSnapshot } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { healthOf, readinessOf } from './health.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const IDLE: LoopSnapshot = idleSnapshot({
  specName: 'demo',
  capacity: 8,
  stageIds: ['s0'],
  ingress: { name: 'kafka-in', transport: 'kafka' },
  egress: { name: 'redis-out', transport: 'redis-streams' },
});

function snap(
  egress: Partial<AdapterSnapshot> = {},
  top: Partial<LoopSnapshot> = {},
  ingress: Partial<AdapterSnapshot> = {},
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

/** An open incident that started `ms` ago with `failures` failures in the last 60 s. */
const incident = (ms: number, failures = 1): Partial<AdapterSnapshot> => ({
  connection_state: 'reconnecting',
  recent_failures: failures,
  cause: '[transport:redis-streams] cannot connect to 127.0.0.1:6390: connection refused',
  cause_at: ago(ms),
  last_error: '[transport:redis-streams] reconnecting',
  last_error_at: ago(100),
});

const STALL: Partial<AdapterSnapshot> = {
  connection_state: 'stalled',
  recent_failures: 1,
  stalled_since: ago(45_000),
  cause: 'a send of 12 messages outstanding since 11:59:15 (no answer for 45 s)',
  cause_at: ago(15_000),
  last_error: 'a send of 12 messages outstanding since 11:59:15 (no answer for 45 s)',
  last_error_at: ago(15_000),
};

const health = (s: LoopSnapshot, policy = {}) => healthOf(s, policy, NOW);

describe('healthOf', () => {
  it('200 with no open incident, the body lists each adapter', () => {
    const r = health(snap());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      reason: 'no failed loop, no open incident',
      recent_failures: 0,
      threshold: 5,
      failure_window_ms: 60_000,
    });
    expect(r.body.adapters).toHaveLength(2);
  });

  it('503 when the loop failed, naming its error', () => {
    const r = health(snap({}, { state: 'failed', error: '[transport:redis-streams] WRONGPASS' }));
    expect([r.status, r.body.reason]).toEqual([
      503,
      'the loop has failed: [transport:redis-streams] WRONGPASS',
    ]);
  });

  it('503 while an adapter is stalled, saying since when and what is outstanding', () => {
    const r = health(snap(STALL));
    expect([r.status, r.body.reason]).toEqual([
      503,
      `redis-out is stalled since ${ago(45_000)}: ${STALL.last_error}`,
    ]);
  });

  it('an open incident: 200 inside the failure window, 503 once it is older', () => {
    const young = health(snap(incident(59_000)));
    expect(young.status).toBe(200);
    expect(young.body.reason).toBe(
      `failing for less than 60 s, failures below threshold: redis-out since ${ago(59_000)}`,
    );
    const old = health(snap(incident(60_000)));
    expect([old.status, old.body.reason]).toEqual([
      503,
      `redis-out has been failing since ${ago(60_000)} (60 s, window 60 s) without recovering: ${incident(0).cause}`,
    ]);
  });

  it('the failure window is the policy (loop.healthFailureWindowMs)', () => {
    expect(health(snap(incident(11_000)), { failureWindowMs: 10_000 }).status).toBe(503);
    expect(health(snap(incident(11_000)), { failureWindowMs: 12_000 }).status).toBe(200);
  });

  it('the failure threshold counts only adapters whose incident is still open', () => {
    const many = health(snap(incident(1_000, 5)));
    expect([many.status, many.body.reason]).toEqual([
      503,
      '5 failure(s) in the last 60 s of adapters still failing (redis-out 5), threshold 5',
    ]);
    // the same failures, the adapter recovered (cause cleared): healthy at once, not 60 s later
    const recovered = snap(
      { connection_state: 'ready', recent_failures: 5 },
      {},
      { recent_failures: 3 },
    );
    const r = health(recovered);
    expect([r.status, r.body.reason, r.body.recent_failures]).toEqual([
      200,
      'no failed loop, no open incident',
      0,
    ]);
    expect(health(snap(incident(1_000, 2)), { unhealthyFailures: 2 }).status).toBe(503);
  });
});

describe('readinessOf', () => {
  it('200 when both adapters are ready', () => {
    const r = readinessOf(snap());
    expect([r.status, r.body.reason]).toEqual([200, 'both adapters are ready']);
  });

  it('503 while an adapter is stalled, with since when', () => {
    const r = readinessOf(snap(STALL));
    expect([r.status, r.body.reason]).toEqual([
      503,
      `not ready: redis-out is stalled since ${ago(45_000)}`,
    ]);
    expect(r.body.adapters).toContainEqual({
      name: 'redis-out',
      role: 'egress',
      connection_state: 'stalled',
      since: ago(45_000),
      last_error: STALL.last_error,
    });
  });

  it('503 for every other state, since the incident opened when known', () => {
    const r = readinessOf(snap(incident(5_000), {}, { connection_state: 'connecting' }));
    expect([r.status, r.body.reason]).toEqual([
      503,
      `not ready: kafka-in is connecting, redis-out is reconnecting since ${ago(5_000)}`,
    ]);
    for (const state of ['failed', 'closed'] as const)
      expect(readinessOf(snap({ connection_state: state })).status).toBe(503);
  });
});
