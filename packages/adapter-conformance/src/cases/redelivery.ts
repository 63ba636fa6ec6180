import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { within } from '../drain.js';
import { bodyText, numbered, text } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** Messages per case; a flow-control window smaller than this bounds it (unacked must fit). */
const MAX_N = 20;

const bodies = (messages: readonly InboundMessage[]) => messages.map((m) => bodyText(m.body));

/** Unacknowledged messages come back; acknowledged ones never do. */
export function redelivery<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const skip = firstSkip(
    needsPair(declares),
    declares.redelivery ? undefined : 'redelivery: false',
  );
  const N = Math.min(MAX_N, declares.maxInFlight ?? MAX_N);
  const k = Math.min(7, N - 1);
  const ordered = declares.ordering === 'total';
  const same = (got: string[], want: string[]) =>
    expect(ordered ? got : [...got].sort()).toEqual(ordered ? want : [...want].sort());

  check(
    ctx,
    'unacknowledged messages come back after close and reopen, with the same ids',
    skip,
    async () => {
      const { source } = await ctx.pair();
      await ctx.seed(numbered(N));
      const first = await ctx.drain(source, { count: N, ack: false });
      await source.close();
      const again = await ctx.drain(await ctx.open('source'), { count: N });
      same(bodies(again.messages.slice(0, N)), bodies(first.messages.slice(0, N)));
      const ids = new Map(first.messages.map((m) => [bodyText(m.body), m.id]));
      for (const m of again.messages.slice(0, N)) expect(m.id).toBe(ids.get(bodyText(m.body)));
    },
  );

  const partial = firstSkip(skip, k < 1 ? `maxInFlight: ${declares.maxInFlight}` : undefined);
  check(ctx, 'after ack(k) of part of a batch, only the rest comes back', partial, async () => {
    const { source } = await ctx.pair();
    await ctx.seed(numbered(N));
    const first = await ctx.drain(source, { count: N, ack: k });
    await source.close();
    const rest = await ctx.drain(await ctx.open('source'), { count: N - k, ack: false });
    const acked = new Set(bodies(first.messages.slice(0, k)));
    const got = bodies(rest.messages.slice(0, N - k));
    for (const body of got) expect(acked.has(body), `acknowledged ${body} came back`).toBe(false);
    same(got, bodies(first.messages.slice(k, N)));
  });

  check(ctx, 'acknowledged messages do not come back after reopen', skip, async () => {
    const { source } = await ctx.pair();
    await ctx.seed(numbered(N));
    await ctx.drain(source, { count: N, ack: true });
    await source.close();
    await ctx.seed([{ body: text('the only new one') }]);
    const { messages } = await ctx.drain(await ctx.open('source'), { count: 1 });
    expect(bodyText(messages[0]?.body ?? new Uint8Array())).toBe('the only new one');
  });

  check(ctx, 'nack() gives the unacknowledged rest of a batch back', skip, async () => {
    const { source } = await ctx.pair();
    await ctx.seed(numbered(N));
    const controller = new AbortController();
    const seen: string[] = [];
    let target: string | undefined;
    const count = () => seen.filter((b) => b === target).length;
    const run = async () => {
      for await (const batch of source.receive?.({ signal: controller.signal }) ?? []) {
        seen.push(...bodies(batch.messages));
        if (target === undefined && batch.messages.length > 0) {
          // Acknowledge the first message when the batch has more, then nack the rest.
          const keep = batch.messages.length > 1 ? 1 : 0;
          target = bodyText((batch.messages[keep] as InboundMessage).body);
          if (keep > 0) await batch.ack(keep);
          await batch.nack();
        } else if (count() > 1) return;
      }
    };
    const outcome = await within(run(), 10_000);
    controller.abort();
    expect(outcome, 'receive() hung after nack()').not.toBe('timeout');
    expect(count(), `the nacked message ${target} must come back`).toBeGreaterThan(1);
  });
}
