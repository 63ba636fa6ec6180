import { type EdgeplaneError, isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { consume, within } from '../drain.js';
import { bodyText, text } from '../fixtures.js';
import { check } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** Runs `fn`, returning what it threw (or `undefined`). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts `error` is an EdgeplaneError with one of `codes` and a `[component] detail` message. */
function expectCode(error: unknown, codes: readonly string[], what: string): void {
  expect(isEdgeplaneError(error), `${what} must be an EdgeplaneError, got ${String(error)}`).toBe(
    true,
  );
  const e = error as EdgeplaneError;
  expect(codes, `${what}: code ${e.code} (${e.message})`).toContain(e.code);
  expect(e.message).toMatch(/^\[[^\]]+\] \S/);
}

/** Bad options, unreachable servers and unframeable bodies map to the documented codes. */
export function errors<S>(ctx: ConformanceContext<S>): void {
  const { declares, descriptor, createBadOptions, unreachable } = ctx.options;

  check(ctx, 'parseOptions() rejects bad options with invalid-config', undefined, async () => {
    expectCode(
      thrown(() => descriptor.parseOptions(createBadOptions())),
      ['invalid-config'],
      'parseOptions(bad)',
    );
    const unknown = thrown(() => descriptor.parseOptions({ edgeplaneNoSuchOption: 'x' }));
    expectCode(unknown, ['invalid-config'], 'parseOptions({ edgeplaneNoSuchOption })');
  });

  check(
    ctx,
    'descriptor.create() rejects bad options with invalid-config, synchronously',
    undefined,
    async () => {
      expectCode(
        thrown(() => descriptor.create(createBadOptions())),
        ['invalid-config'],
        'create(bad)',
      );
    },
  );

  check(ctx, 'an unreachable server gives unavailable or not-found', undefined, async () => {
    const role = declares.source ? 'source' : 'sink';
    const t = ctx.track(unreachable(ctx.createContext(role)));
    const codes = ['unavailable', 'not-found'];
    const opened = await within(
      t.open({ role: role === 'source' ? 'ingress' : 'egress', stateDir: ctx.stateDir(role) }).then(
        () => undefined,
        (e: unknown) => e ?? new Error('open() rejected with nothing'),
      ),
      20_000,
    );
    expect(opened, 'open() of an unreachable transport hung for 20 s').not.toBe('timeout');
    if (opened !== undefined)
      return expectCode(opened, codes, 'open() of an unreachable transport');
    if (role === 'sink') {
      const result = await t.send?.([{ body: text('nowhere') }]);
      expect(result?.status, 'send() to an unreachable server').not.toBe('ok');
      if (result && (result.status === 'failed' || result.status === 'retryable'))
        expectCode(result.error, codes, 'send() result error');
      else expect(result?.status, 'send() to an unreachable server').not.toBe('partial');
      return;
    }
    const ended = await within(consume(t, AbortSignal.timeout(15_000)), 20_000);
    expect(
      ended !== 'timeout' && ended.error,
      'receive() from an unreachable server must throw',
    ).toBeTruthy();
    if (ended !== 'timeout') expectCode(ended.error, codes, 'receive() error');
  });

  const lineSkip = !declares.sink
    ? 'sink: false'
    : declares.framing !== 'line'
      ? "framing: 'message'"
      : undefined;
  check(
    ctx,
    'a body line framing cannot carry fails alone, with invalid-input',
    lineSkip,
    async () => {
      // Synchronous handoff: the sink's ok is the source's ack, so the source reads meanwhile.
      const synchronous = ctx.options.handoff === 'synchronous';
      const early = synchronous ? await ctx.open('source') : undefined;
      const reading = early ? ctx.drain(early, { count: 6 }) : undefined;
      reading?.catch(() => {});
      const sink = await ctx.open('sink');
      for (const body of ['two\nlines', 'trailing cr\r', '\n']) {
        const result = await sink.send?.([
          { body: text(`before ${JSON.stringify(body)}`) },
          { body: text(body) },
          { body: text(`after ${JSON.stringify(body)}`) },
        ]);
        expect(result?.status, `send of ${JSON.stringify(body)} between two good ones`).toBe(
          'partial',
        );
        if (result?.status !== 'partial') continue;
        expect(
          result.rejected.map((r) => r.index),
          'only the bad message is rejected',
        ).toEqual([1]);
        expectCode(result.rejected[0]?.error, ['invalid-input'], `send of ${JSON.stringify(body)}`);
      }
      const drained = reading ?? ctx.drain(await ctx.open('source'), { count: 6 });
      const got = (await drained).messages.map((m) => bodyText(m.body));
      expect(got, 'the good messages around each refused one were taken, in order').toEqual(
        ['two\nlines', 'trailing cr\r', '\n'].flatMap((b) => [
          `before ${JSON.stringify(b)}`,
          `after ${JSON.stringify(b)}`,
        ]),
      );
    },
  );
}

/**
 * A poison message fails alone: one body over the declared `maxBodyBytes` between two good ones
 * is rejected by itself (`partial`, `too-large`), and the good ones are taken, in order.
 */
export function poison<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const skip = !declares.sink
    ? 'sink: false'
    : declares.maxBodyBytes === undefined
      ? 'no maxBodyBytes declared'
      : !declares.source
        ? 'source: false (cannot read back)'
        : undefined;
  check(ctx, 'a body over maxBodyBytes fails alone, with too-large', skip, async () => {
    // The source is open before the send, as in round-trip: an at-most-once source (core NATS)
    // only sees what is published while it is subscribed.
    const { sink, source } = await ctx.pair();
    const big = new Uint8Array((declares.maxBodyBytes ?? 0) + 1).fill(0x61);
    // Synchronous handoff: the sink's ok is the source's ack, so the source reads meanwhile.
    const reading =
      ctx.options.handoff === 'synchronous' ? ctx.drain(source, { count: 2 }) : undefined;
    reading?.catch(() => {});
    const result = await sink.send?.([
      { body: text('before') },
      { body: big },
      { body: text('after') },
    ]);
    expect(result?.status, 'send of an oversized body between two good ones').toBe('partial');
    if (result?.status === 'partial') {
      expect(
        result.rejected.map((r) => r.index),
        'only the oversized body is rejected',
      ).toEqual([1]);
      expectCode(result.rejected[0]?.error, ['too-large'], 'the oversized body');
    }
    const got = (await (reading ?? ctx.drain(source, { count: 2 }))).messages.map((m) =>
      bodyText(m.body),
    );
    expect(got, 'the good messages around it were taken, in order').toEqual(['before', 'after']);
  });
}
