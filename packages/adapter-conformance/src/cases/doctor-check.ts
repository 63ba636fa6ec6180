import type { CheckContext, Transport, TransportCheck } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { OPEN_ROLE } from '../context.js';
import { within } from '../drain.js';
import { numbered } from '../fixtures.js';
import { check } from '../register.js';
import type { ConformanceContext, ConformanceRole } from '../types.js';

const STATUSES = ['ok', 'warn', 'fail', 'skip'];
/** Budget given to `check()`, ms; it must resolve within it plus a second. */
const CHECK_TIMEOUT_MS = 5_000;

async function runCheck(t: Transport, role: ConformanceRole): Promise<readonly TransportCheck[]> {
  const context: CheckContext = {
    role: OPEN_ROLE[role],
    signal: AbortSignal.timeout(CHECK_TIMEOUT_MS + 1_000),
    timeoutMs: CHECK_TIMEOUT_MS,
  };
  const checking = (t.check as NonNullable<Transport['check']>).call(t, context);
  const answer = await within(checking, CHECK_TIMEOUT_MS + 1_000);
  expect(answer, `${role}: check() did not resolve within timeoutMs + 1 s`).not.toBe('timeout');
  const results = answer === 'timeout' ? [] : answer;
  expect(results.length, `${role}: check() returned no result`).toBeGreaterThan(0);
  for (const r of results) {
    expect(r.name, `${role}: check name`).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(STATUSES, `${role}: ${r.name} status`).toContain(r.status);
    expect(r.detail.length, `${role}: ${r.name} detail`).toBeGreaterThan(0);
    if (r.status === 'warn' || r.status === 'fail')
      expect(
        r.fix?.length ?? 0,
        `${role}: ${r.name} (${r.status}) must say how to fix it`,
      ).toBeGreaterThan(0);
  }
  return results;
}

const failures = (results: readonly TransportCheck[]) =>
  results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.detail}`);

/**
 * `check()` (for `edgeplane doctor`), where the transport implements it: against the live server
 * every result is well formed and none fails; nothing is consumed (what was seeded before the
 * check still arrives); against the unreachable configuration a check fails with a fix. All within
 * the budget given.
 */
export function doctorCheck<S>(ctx: ConformanceContext<S>): void {
  const { declares, handoff } = ctx.options;
  const roles: ConformanceRole[] = [];
  if (declares.source) roles.push('source');
  if (declares.sink) roles.push('sink');

  check(
    ctx,
    'check() against the live server: well formed, nothing fails, nothing consumed',
    undefined,
    async () => {
      const probe = ctx.track(ctx.options.create(ctx.createContext(roles[0] ?? 'sink')));
      if (typeof probe.check !== 'function') {
        expect(probe.check, 'a transport without check() (doctor then warns)').toBeUndefined();
        return;
      }
      const seeded = handoff !== 'synchronous' && declares.source && declares.sink;
      const sent = numbered(5, 'before the doctor');
      if (seeded) await ctx.seed(sent);
      for (const role of roles) {
        // A synchronous sink's peer is the source: it must listen before the sink is checked.
        if (handoff === 'synchronous' && role === 'sink') await ctx.open('source');
        const t = ctx.track(ctx.options.create(ctx.createContext(role)));
        const results = await runCheck(t, role);
        expect(failures(results), `${role}: checks that failed against the live server`).toEqual(
          [],
        );
      }
      if (seeded) {
        const source = await ctx.open('source');
        const { messages } = await ctx.drain(source, { count: sent.length });
        expect(messages.length, 'messages seeded before check() still arrive').toBe(sent.length);
      }
    },
  );

  check(ctx, 'check() of the unreachable configuration fails, with a fix', undefined, async () => {
    const role: ConformanceRole = declares.source ? 'source' : 'sink';
    const t = ctx.track(ctx.options.unreachable(ctx.createContext(role)));
    if (typeof t.check !== 'function') {
      expect(t.check, 'a transport without check() (doctor then warns)').toBeUndefined();
      return;
    }
    const results = await runCheck(t, role);
    expect(
      failures(results).length,
      `${role}: no check failed: ${JSON.stringify(results)}`,
    ).toBeGreaterThan(0);
  });
}
