import type { OutboundMessage, Transport } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { delay } from '../drain.js';
import { bodyText, text } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** Sends through `sink`, retrying `retryable` results (as the loop would) for up to `ms`. */
async function sendThrough(sink: Transport, batch: readonly OutboundMessage[], ms: number) {
  const deadline = performance.now() + ms;
  for (;;) {
    const result = await sink.send?.(batch);
    if (result?.status === 'ok') return;
    if (result?.status !== 'retryable' || performance.now() > deadline) {
      throw new Error(
        `send() after the interruption returned ${result?.status}: ${result && 'error' in result ? result.error.message : ''}`,
      );
    }
    await delay(200).promise;
  }
}

/** An open source and sink carry on through a connection loss, without being reopened. */
export function reconnect<S>(ctx: ConformanceContext<S>): void {
  const { declares, interrupt } = ctx.options;
  const skip = firstSkip(needsPair(declares), interrupt ? undefined : 'interrupt: undefined');

  check(
    ctx,
    'an open source and sink recover from a connection loss (interrupt hook)',
    skip,
    async () => {
      const { sink, source } = await ctx.pair();
      await ctx.seed([{ body: text('before-0') }, { body: text('before-1') }]);
      const before = await ctx.drain(source, { count: 2, ack: true });
      expect(before.messages.map((m) => bodyText(m.body))).toEqual(['before-0', 'before-1']);
      await interrupt?.(ctx.createContext('source'));
      const after = Array.from({ length: 5 }, (_, i) => ({ body: text(`after-${i}`) }));
      await sendThrough(sink, after, 20_000);
      const { messages } = await ctx.drain(source, { count: 5, ack: true, timeoutMs: 20_000 });
      const got = new Set(messages.map((m) => bodyText(m.body)));
      // At-least-once: what was in flight may come again, but every new message arrives.
      for (const m of after)
        expect(got.has(bodyText(m.body)), `${bodyText(m.body)} after the loss`).toBe(true);
    },
  );
}
