import { EdgeplaneError } from '@edgeplane/errors';
import type { AdapterHealth } from '../health.js';
import type { Transport } from '../transport/types.js';
import type { EgressBatchEvent } from './options.js';

/** Calls the `onEgressBatch` metrics hook with the batch's size; a throwing hook is ignored. */
export function reportEgressBatch(
  hook: ((event: EgressBatchEvent) => void) | undefined,
  messages: readonly { body: Uint8Array; bodyLength?: number | undefined }[],
  latencyMs: number,
  attempts: number,
  ok: boolean,
): void {
  if (!hook) return;
  let bytes = 0;
  for (const m of messages) bytes += m.bodyLength ?? m.body.byteLength;
  try {
    hook({ messages: messages.length, bytes, latencyMs, attempts, ok });
  } catch {
    // a metrics hook never breaks the loop
  }
}

/** Runs `tick` every `ms` (unref'd), skipping a beat while the previous tick is still running. */
export function everyInterval(ms: number, tick: () => Promise<void>): NodeJS.Timeout {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void tick().finally(() => {
      busy = false;
    });
  }, ms);
  timer.unref();
  return timer;
}

/** Reads the source's lag into its health entry; a slow query is given up after `budgetMs`. */
export async function pollLag(
  t: Transport,
  health: AdapterHealth,
  budgetMs: number,
): Promise<void> {
  if (!t.lag) return;
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), budgetMs);
    });
    const reading = await Promise.race([t.lag.call(t), timeout]).finally(() => clearTimeout(timer));
    if (reading) health.lag = reading;
  } catch (error) {
    health.fail(EdgeplaneError.from(error, `transport:${t.name}`));
  }
}
