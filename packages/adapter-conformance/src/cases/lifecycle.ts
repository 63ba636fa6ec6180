import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { OPEN_ROLE } from '../context.js';
import { consume, within } from '../drain.js';
import { text } from '../fixtures.js';
import { check, needsPair } from '../register.js';
import type { ConformanceContext, ConformanceRole } from '../types.js';

/** open/close are idempotent; after close, send fails with `closed`, receive and ack end. */
export function lifecycle<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const roles: ConformanceRole[] = [];
  if (declares.sink) roles.push('sink');
  if (declares.source) roles.push('source');

  check(
    ctx,
    'open() and close() are idempotent, and close() works before open()',
    undefined,
    async () => {
      for (const role of roles) {
        const unopened = ctx.track(ctx.options.create(ctx.createContext(role)));
        await expect(unopened.close(), `${role}: close() before open()`).resolves.toBeUndefined();
        const t = ctx.track(ctx.options.create(ctx.createContext(role)));
        const open = { role: OPEN_ROLE[role], stateDir: ctx.stateDir(role) };
        await t.open(open);
        await expect(t.open(open), `${role}: second open()`).resolves.toBeUndefined();
        await expect(t.close(), `${role}: first close()`).resolves.toBeUndefined();
        await expect(t.close(), `${role}: second close()`).resolves.toBeUndefined();
      }
    },
  );

  check(
    ctx,
    'send() after close() returns failed with code closed',
    declares.sink ? undefined : 'sink: false',
    async () => {
      const sink = await ctx.open('sink');
      await sink.close();
      const result = await sink.send?.([{ body: text('after close') }]);
      expect(result?.status).toBe('failed');
      if (result?.status !== 'failed') return;
      expect(isEdgeplaneError(result.error)).toBe(true);
      expect(result.error.code).toBe('closed');
    },
  );

  check(
    ctx,
    'receive() after close() ends without yielding',
    declares.source ? undefined : 'source: false',
    async () => {
      const source = declares.sink ? (await ctx.pair()).source : await ctx.open('source');
      if (declares.sink) await ctx.seed([{ body: text('must not be yielded after close') }]);
      await source.close();
      const ended = await within(consume(source, new AbortController().signal), 1000);
      expect(ended, 'receive() after close() must end within 1 s').not.toBe('timeout');
      if (ended === 'timeout') return;
      expect(ended.error).toBeUndefined();
      expect(ended.batches).toBe(0);
    },
  );

  check(
    ctx,
    'close() ends a pending receive() within 1 s',
    declares.source ? undefined : 'source: false',
    async () => {
      const source = declares.sink ? (await ctx.pair()).source : await ctx.open('source');
      const controller = new AbortController();
      const running = consume(source, controller.signal);
      await new Promise((r) => setTimeout(r, 100));
      const closedAt = performance.now();
      await source.close();
      const ended = await within(running, 1500);
      controller.abort();
      expect(ended, 'receive() still running 1.5 s after close()').not.toBe('timeout');
      if (ended === 'timeout') return;
      expect(ended.error).toBeUndefined();
      expect(ended.endedAt - closedAt).toBeLessThanOrEqual(1000);
    },
  );

  check(ctx, 'ack() after close() rejects with code closed', needsPair(declares), async () => {
    const { source } = await ctx.pair();
    await ctx.seed([{ body: text('one') }]);
    const { batches } = await ctx.drain(source, { count: 1, ack: false });
    await source.close();
    const batch = batches[0];
    expect(batch).toBeDefined();
    const error = await batch?.ack().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEdgeplaneError(error), 'ack() after close() must reject with an EdgeplaneError').toBe(
      true,
    );
    expect(isEdgeplaneError(error) ? error.code : undefined).toBe('closed');
  });
}
