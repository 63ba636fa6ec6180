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
      // At-least-once: what was in flight may come again, so read until every new body arrived.
      const want = new Set(after.map((m) => bodyText(m.body)));
      const controller = new AbortController();
      const readAll = async () => {
        for await (const batch of source.receive?.({ signal: controller.signal }) ?? []) {
          for (const m of batch.messages) want.delete(bodyText(m.body));
          await batch.ack();
          if (want.size === 0) return;
        }
      };
      // Synchronous handoff: the sink's ok is the source's ack, so the source reads meanwhile.
      let read: Promise<void>;
      if (ctx.options.handoff === 'synchronous') {
        read = readAll();
        await sendThrough(sink, after, 20_000);
      } else {
        await sendThrough(sink, after, 20_000);
        read = readAll();
      }
      const outcome = await Promise.race([read.then(() => 'done' as const), delay(20_000).promise]);
      controller.abort();
      expect(outcome, `never arrived after the loss: ${[...want].join(', ')}`).toBe('done');
    },
  );
}
