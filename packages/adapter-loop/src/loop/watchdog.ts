import type { AdapterHealth } from '../health.js';

/** One kind of work an adapter can have outstanding (a send, an ack). */
export interface Outstanding {
  readonly health: AdapterHealth;
  /** When the work now outstanding began (ms clock), or undefined when none is. */
  since(): number | undefined;
  /** What is outstanding, for `last_error`, e.g. `send of 512 messages`. */
  describe(): string;
}

/**
 * Checks every `min(1000, stallAfterMs / 2)` ms whether work has been outstanding longer than
 * `stallAfterMs`: the adapter is then `stalled` (its `last_error` says what and since when), and
 * back to its former state once the work is answered. Returns the (unref'd) timer.
 */
export function watchStalls(
  items: readonly Outstanding[],
  stallAfterMs: number,
  onChange?: (health: AdapterHealth, stalled: boolean, message: string) => void,
): NodeJS.Timeout {
  const tick = (): void => {
    const now = Date.now();
    for (const item of items) {
      const since = item.since();
      const stalled = since !== undefined && now - since > stallAfterMs;
      const wasStalled = item.health.state === 'stalled';
      const over = item.health.state === 'failed' || item.health.state === 'closed';
      if (stalled && !wasStalled && !over) {
        const message = `stalled: ${item.describe()} outstanding since ${new Date(since).toISOString()} with no answer within loop.stallAfterMs (${stallAfterMs} ms)`;
        item.health.stall(since, message, now);
        onChange?.(item.health, true, message);
      } else if (!stalled && wasStalled) {
        item.health.unstall();
        onChange?.(
          item.health,
          false,
          'no longer stalled: the outstanding work ended (answered, failed or timed out)',
        );
      }
    }
  };
  const timer = setInterval(tick, Math.max(50, Math.min(1000, Math.floor(stallAfterMs / 2))));
  timer.unref();
  return timer;
}
