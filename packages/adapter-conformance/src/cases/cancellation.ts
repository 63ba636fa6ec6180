import type { Transport } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { consume, within } from '../drain.js';
import { numbered } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** The deadline of STYLE rule 6: stop within 1 s after the signal aborts. */
const DEADLINE_MS = 1000;

/** Aborting the `receive()` signal ends the iteration quietly within 1 s. */
export function cancellation<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const noSource = declares.source ? undefined : 'source: false';
  const source = async (): Promise<Transport> =>
    declares.sink ? (await ctx.pair()).source : await ctx.open('source');

  /** Aborts after `afterMs`, then expects the iteration to end quietly within the deadline. */
  const abortAndExpectEnd = async (t: Transport, afterMs: number) => {
    const controller = new AbortController();
    const running = consume(t, controller.signal);
    await new Promise((r) => setTimeout(r, afterMs));
    const abortedAt = performance.now();
    controller.abort();
    const ended = await within(running, DEADLINE_MS + 1000);
    expect(ended, `receive() still running ${DEADLINE_MS + 1000} ms after abort`).not.toBe(
      'timeout',
    );
    if (ended === 'timeout') return;
    expect(ended.error, 'an aborted receive() ends quietly, it does not throw').toBeUndefined();
    expect(ended.endedAt - abortedAt).toBeLessThanOrEqual(DEADLINE_MS);
  };

  check(ctx, 'aborting the signal ends an idle receive() within 1 s', noSource, async () => {
    await abortAndExpectEnd(await source(), 300);
  });

  check(
    ctx,
    'aborting the signal ends a busy receive() within 1 s',
    firstSkip(needsPair(declares)),
    async () => {
      const t = await source();
      await ctx.seed(numbered(50_000), 10_000);
      await abortAndExpectEnd(t, 20);
    },
  );

  check(
    ctx,
    'an already aborted signal ends receive() at once, yielding nothing',
    noSource,
    async () => {
      const t = await source();
      if (declares.sink) await ctx.seed(numbered(10));
      const ended = await within(consume(t, AbortSignal.abort()), DEADLINE_MS);
      expect(
        ended,
        `receive() with an aborted signal still running after ${DEADLINE_MS} ms`,
      ).not.toBe('timeout');
      if (ended === 'timeout') return;
      expect(ended.error).toBeUndefined();
      expect(ended.batches).toBe(0);
    },
  );
}
