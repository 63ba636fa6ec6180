import { type AdapterSnapshot, idleSnapshot, type LoopSnapshot } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { renderCauses, renderSnapshot } from './render.js';

const BASE = idleSnapshot({
  specName: 'demo',
  capacity: 8,
  stageIds: ['s0'],
  ingress: { name: 'logs-in', transport: 'file' },
  egress: { name: 'redis-out', transport: 'redis-streams' },
});

function final(egress: Partial<AdapterSnapshot>, top: Partial<LoopSnapshot> = {}): LoopSnapshot {
  const [i, e] = BASE.adapters;
  return {
    ...BASE,
    pid: 4242,
    captured_at: '2026-06-01T12:00:03.200Z',
    state: 'failed',
    ended_at: '2026-06-01T12:00:03.120Z',
    stop_reason: 'failed',
    error: '[transport:redis-streams] the connection is down (reconnecting)',
    ...top,
    adapters: [i, { ...e, ...egress }],
  };
}

const INCIDENT: Partial<AdapterSnapshot> = {
  connection_state: 'failed',
  recent_failures: 3,
  cause: '[transport:redis-streams] WRONGPASS invalid username-password pair',
  cause_at: '2026-06-01T12:00:01.000Z',
  last_error: '[transport:redis-streams] the connection is down (reconnecting)',
  last_error_at: '2026-06-01T12:00:03.100Z',
};

describe('renderSnapshot', () => {
  it('a final snapshot: NOT RUNNING first, when and why it ended, the error, cause and last error with times', () => {
    const text = renderSnapshot(final(INCIDENT), 'final');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'NOT RUNNING: the run ended at 2026-06-01T12:00:03.120Z (state failed, stop reason failed); this is its final snapshot',
    );
    expect(lines).toContain('ended       2026-06-01T12:00:03.120Z  reason failed');
    expect(lines).toContain(
      'error       [transport:redis-streams] the connection is down (reconnecting)',
    );
    expect(lines).toContain('redis-out (egress)');
    expect(lines).toContain(`  cause          2026-06-01T12:00:01.000Z  ${INCIDENT.cause}`);
    expect(lines).toContain(`  last error     2026-06-01T12:00:03.100Z  ${INCIDENT.last_error}`);
  });

  it('stalled since and the consumer group line', () => {
    const text = renderSnapshot(
      final(
        {
          connection_state: 'stalled',
          stalled_since: '2026-06-01T11:59:00.000Z',
          group: { rebalances: 2, assignment: ['orders/0', 'orders/1'], claims: 1 },
        },
        { state: 'running', ended_at: null, stop_reason: null, error: null },
      ),
      'live',
    );
    expect(text.split('\n')[0]).toMatch(/^spec {8}demo/);
    expect(text).toContain('  stalled since  2026-06-01T11:59:00.000Z');
    expect(text).toContain('  group          rebalances 2  claims 1  assignment orders/0 orders/1');
    expect(text).not.toContain('ended ');
  });

  it('stale and idle say so on the first line; no status, no banner', () => {
    const running = final({}, { state: 'running', ended_at: null, stop_reason: null, error: null });
    expect(renderSnapshot(running, 'stale').split('\n')[0]).toBe(
      'STALE: pid 4242 is not running, yet this document says "running"; it is what the loop last wrote at 2026-06-01T12:00:03.200Z, not live',
    );
    expect(renderSnapshot(BASE, 'idle').split('\n')[0]).toMatch(
      /^IDLE: the lane holds no snapshot/,
    );
    expect(renderSnapshot(running).split('\n')[0]).toMatch(/^spec /);
  });
});

describe('renderCauses', () => {
  it('names the first error of an incident when the run ended on a follow-up', () => {
    const s = final(INCIDENT);
    expect(renderCauses(s, s.error)).toBe(
      `cause: redis-out since 2026-06-01T12:00:01.000Z: ${INCIDENT.cause}\n`,
    );
  });
  it('nothing when the error is the cause, or no incident is open', () => {
    const s = final({ ...INCIDENT, last_error: INCIDENT.cause }, { error: INCIDENT.cause });
    expect(renderCauses(s, s.error)).toBe('');
    expect(renderCauses(BASE, null)).toBe('');
  });
});
