import { describe, expect, it } from 'vitest';
import { runDoctor } from './doctor.js';
import { doctorResult, renderDoctorResult, wrap } from './doctor-report.js';
import {
  clockCheck,
  diskCheck,
  LANE_DISK_FAIL_BYTES,
  LANE_DISK_WARN_BYTES,
} from './doctor-system.js';
import type { EndpointCheck } from './endpoints.js';

const MiB = 1024 * 1024;

describe('host checks: disk and clock', () => {
  it('disk: fail under 16 MiB or with no inode, warn under 128 MiB, ok above', () => {
    const at = '/lane';
    expect(diskCheck(at, { at, free: LANE_DISK_FAIL_BYTES - 1, inodes: 10 }).status).toBe('fail');
    expect(diskCheck(at, { at, free: 10 * LANE_DISK_WARN_BYTES, inodes: 0 })).toMatchObject({
      status: 'fail',
      detail: '1.3 GiB free at /lane, no free inode',
    });
    expect(diskCheck(at, { at, free: 100 * MiB, inodes: -1 })).toMatchObject({ status: 'warn' });
    expect(diskCheck(at, { at, free: 500 * MiB, inodes: -1 })).toEqual({
      name: 'disk',
      status: 'ok',
      detail: '500 MiB free at /lane',
    });
    expect(diskCheck(at, null).status).toBe('warn');
  });

  it('clock: ok when synchronized, warn when not or unknown, never fail', () => {
    expect(clockCheck('yes').status).toBe('ok');
    expect(clockCheck('no')).toMatchObject({ status: 'warn', fix: expect.stringContaining('NTP') });
    expect(clockCheck('unknown')).toMatchObject({ status: 'warn' });
  });

  it('runDoctor lists disk after lane_path and clock last', () => {
    const r = runDoctor({ lanePath: '/tmp', clock: 'unknown' });
    expect(r.checks.map((c) => c.name)).toEqual([
      'node',
      'lane_path',
      'disk',
      'open_files',
      'memlock',
      'cpus',
      'memory',
      'clock',
    ]);
  });
});

const endpoint = (over: Partial<EndpointCheck>): EndpointCheck => ({
  scope: 'endpoint',
  adapter: 'http-egress',
  role: 'egress',
  transport: 'http',
  name: 'reachable',
  status: 'ok',
  detail: 'ok',
  ...over,
});

describe('doctorResult / renderDoctorResult', () => {
  it('host rows first with scope host; not ready when any row failed', () => {
    const host = {
      ready: true,
      checks: [{ name: 'node', status: 'ok' as const, detail: 'Node.js v24' }],
    };
    const r = doctorResult(host, [endpoint({ status: 'fail', fix: 'start it' })]);
    expect(r.ready).toBe(false);
    expect(r.checks[0]).toEqual({
      scope: 'host',
      name: 'node',
      status: 'ok',
      detail: 'Node.js v24',
    });
    expect(doctorResult(host).ready).toBe(true);
  });

  it('a table within 80 columns: long details wrap under their column, the fix on its own line', () => {
    const r = doctorResult({ ready: true, checks: [] }, [
      endpoint({
        status: 'fail',
        durationMs: 0.42,
        detail:
          '[transport:http] connect to 127.0.0.1:39123 (http): connection refused, and this detail is long enough to wrap twice at least',
        fix: 'start the receiving server there, or fix `url`',
      }),
      endpoint({ name: 'request', status: 'skip', detail: 'not checked: not reachable' }),
    ]);
    const text = renderDoctorResult(r);
    const lines = text.trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ADAPTER +CHECK +STAT TIME +DETAIL$/);
    expect(lines[1]).toMatch(/^http-egress reachable FAIL 0\.4 ms +\[transport:http\] connect to/);
    const column = lines[1]?.indexOf('[transport') ?? -1;
    expect(lines.find((l) => l.includes('fix: start the receiving'))?.indexOf('fix:')).toBe(column);
    expect(lines.at(-1)).toBe('NOT ready (0 ok, 0 warn, 1 failed, 1 skipped)');
  });

  it('long adapter and check names: each detail goes under its row, still within 80 columns', () => {
    const r = doctorResult({ ready: true, checks: [] }, [
      endpoint({
        adapter: 'redis-streams-ingress',
        name: 'consumer-group',
        status: 'warn',
        detail:
          'group "edgeplane" does not exist: `createGroup=true` creates it at `startId` 0 on the first open',
        fix: 'nothing to do if that is intended; otherwise create it beforehand',
      }),
    ]);
    const lines = renderDoctorResult(r).trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ADAPTER +CHECK +STAT TIME$/);
    expect(lines[1]).toMatch(/^redis-streams-ingress consumer-group warn$/);
    expect(lines[2]).toMatch(/^ {4}group "edgeplane" does not exist/);
    expect(lines.find((l) => l.startsWith('    fix: nothing to do'))).toBeDefined();
  });

  it('wrap cuts words longer than the width', () => {
    expect(wrap('a bb cccccc d', 4)).toEqual(['a bb', 'cccc', 'cc d']);
    expect(wrap('', 10)).toEqual(['']);
  });
});
