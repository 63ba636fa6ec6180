import { type EdgeplaneError, isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { consume, within } from '../drain.js';
import { text } from '../fixtures.js';
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
      if (result && result.status !== 'ok') expectCode(result.error, codes, 'send() result error');
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
  check(ctx, 'rejects bodies line framing cannot carry with invalid-input', lineSkip, async () => {
    const sink = await ctx.open('sink');
    for (const body of ['two\nlines', 'trailing cr\r', '\n']) {
      const result = await sink.send?.([{ body: text('fine') }, { body: text(body) }]);
      expect(result?.status, `send of ${JSON.stringify(body)}`).toBe('failed');
      if (result?.status === 'failed') {
        expectCode(result.error, ['invalid-input'], `send of ${JSON.stringify(body)}`);
      }
    }
  });
}
