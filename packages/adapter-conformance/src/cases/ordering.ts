import type { OutboundMessage } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { bodyText, KEYS, text } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** Batch sizes that add up to 1 000 and do not line up with any transport's internal batching. */
const BATCHES = [1, 9, 90, 400, 7, 493];

/** Sends `messages` in the irregular BATCHES sizes. */
async function sendIrregular<S>(ctx: ConformanceContext<S>, messages: readonly OutboundMessage[]) {
  let at = 0;
  for (const size of BATCHES) {
    await ctx.seed(messages.slice(at, at + size));
    at += size;
  }
}

/** What `ordering` promises holds across batches and sends. */
export function ordering<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const none = declares.ordering === 'none' ? "ordering: 'none'" : undefined;
  const total = BATCHES.reduce((a, b) => a + b, 0);

  check(
    ctx,
    `${total} messages sent in ${BATCHES.length} batches come back in order (ordering: '${declares.ordering}')`,
    firstSkip(needsPair(declares), none),
    async () => {
      const perKey = declares.ordering === 'per-key' && declares.keys;
      const sent = Array.from({ length: total }, (_, i) => ({
        key: perKey ? KEYS[i % 3] : undefined,
        body: text(`o-${String(i).padStart(5, '0')}`),
      }));
      const { source } = await ctx.pair();
      await sendIrregular(ctx, sent);
      const { messages } = await ctx.drain(source, { count: total });
      if (!perKey) {
        expect(messages.map((m) => bodyText(m.body))).toEqual(sent.map((m) => bodyText(m.body)));
        return;
      }
      for (const key of KEYS.slice(0, 3)) {
        const want = sent.filter((m) => m.key === key).map((m) => bodyText(m.body));
        const got = messages.filter((m) => m.key === key).map((m) => bodyText(m.body));
        expect(got, `order of key ${JSON.stringify(key)}`).toEqual(want);
      }
    },
  );

  check(
    ctx,
    'order holds across receive batches, acknowledgements and a reopen',
    firstSkip(needsPair(declares), none, declares.redelivery ? undefined : 'redelivery: false'),
    async () => {
      const sent = Array.from({ length: total }, (_, i) => ({ body: text(`r-${i}`) }));
      const { source } = await ctx.pair();
      await sendIrregular(ctx, sent);
      const half = Math.floor(total / 2);
      const first = await ctx.drain(source, { count: half, ack: half });
      await source.close();
      const reopened = await ctx.open('source');
      const rest = await ctx.drain(reopened, { count: total - half });
      const got = [...first.messages.slice(0, half), ...rest.messages.slice(0, total - half)];
      if (declares.ordering === 'total') {
        expect(got.map((m) => bodyText(m.body))).toEqual(sent.map((m) => bodyText(m.body)));
      } else {
        expect(new Set(got.map((m) => bodyText(m.body))).size).toBe(total);
      }
    },
  );
}
