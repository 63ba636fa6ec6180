import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import { delay } from '../drain.js';
import { numbered } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

/** A source that declares `maxInFlight` keeps to it, and acknowledging lets the rest through. */
export function flowControl<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const window = declares.maxInFlight;
  const skip = firstSkip(
    needsPair(declares),
    window === undefined ? 'maxInFlight: undefined' : undefined,
  );

  check(
    ctx,
    `delivers at most maxInFlight (${window ?? 'undefined'}) unacknowledged messages, and the rest once acknowledged`,
    skip,
    async () => {
      const w = window ?? 0;
      const total = w + 5;
      const { source } = await ctx.pair();
      await ctx.seed(numbered(total));
      const controller = new AbortController();
      const held: InboundBatch[] = [];
      let seen = 0;
      // Keeps pulling without acknowledging: a source that honours its window stops yielding at
      // `w` unacknowledged messages; one that ignores it overruns it within the settle time.
      const run = (async () => {
        for await (const batch of source.receive?.({ signal: controller.signal }) ?? []) {
          seen += batch.messages.length;
          held.push(batch);
          if (seen >= total) return;
        }
      })();
      const settle = delay(1500); // time for a transport that ignores its window to overrun it
      await settle.promise;
      expect(seen, `unacknowledged messages delivered with maxInFlight: ${w}`).toBeLessThanOrEqual(
        w,
      );
      expect(seen, 'the source delivered nothing').toBeGreaterThan(0);
      // Acknowledge as we go from here on: every held batch, then each new one.
      const acker = (async () => {
        while (seen < total && !controller.signal.aborted) {
          const batch = held.shift();
          if (batch) await batch.ack();
          else await delay(5).promise;
        }
      })();
      const outcome = await Promise.race([run.then(() => 'done' as const), delay(10_000).promise]);
      controller.abort();
      await acker;
      expect(outcome, `only ${seen} of ${total} arrived after acknowledging`).toBe('done');
    },
  );
}
