import { setTimeout as sleep } from 'node:timers/promises';
import type { Stage, StageFactoryContext } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import { StageSettings, where } from '../settings.js';
import { TokenBucket } from './bucket.js';
import { MAX_BURST, MAX_RATE, rateLimitDescriptor } from './descriptor.js';

/** Component of rate_limit's errors: `[stage:rate_limit] ...`. */
export const RATE_LIMIT_COMPONENT = 'stage:rate_limit';

/** The settings of a `rate_limit` stage, checked. Rate in messages/s, burst in messages. */
export interface RateLimitOptions {
  readonly rate: number;
  readonly burst: number;
}

/**
 * Checks a rate_limit stage's settings.
 * @throws EdgeplaneError `invalid-config` naming `stages.<id>.rate` (missing, not a number, 0)
 *   or `stages.<id>.burst`.
 */
export function parseRateLimitOptions(context: StageFactoryContext): RateLimitOptions {
  const s = new StageSettings(context, RATE_LIMIT_COMPONENT, rateLimitDescriptor);
  const rate = s.positive('rate', MAX_RATE, 'messages per second');
  if (rate === undefined) {
    throw s.error(
      'rate',
      'is required: the messages per second to allow',
      `add stages.${context.id}.rate=100 to the adapter config`,
    );
  }
  const burst =
    s.int('burst', 1, MAX_BURST, 100) ?? Math.min(MAX_BURST, Math.max(1, Math.ceil(rate)));
  return { rate, burst };
}

/** A rate_limit stage: a `Stage` with how long it has made the ring wait. */
export interface RateLimitStage extends Stage {
  /** Total time `process` waited for tokens, ms. */
  waitedMs(): number;
}

/**
 * `rate_limit`: lets at most `burst + rate * t` messages through in the first t seconds. Each
 * call takes one token per message and, when the bucket is short, waits (the promise settles
 * later) before passing the whole run on unchanged: the ring fills behind it and the ingress
 * slows; nothing is dropped, and nothing is acknowledged before the egress took it.
 * A run larger than `burst` leaves together after its wait: for smooth output keep
 * `loop.batchMaxMessages` and the ring capacity near `rate`.
 * @throws EdgeplaneError `invalid-config` for a bad setting; from `process`, `cancelled` when the
 *   loop's signal aborts the wait (a hard stop).
 */
export function createRateLimitStage(
  context: StageFactoryContext,
  now?: () => number,
): RateLimitStage {
  const o = parseRateLimitOptions(context);
  const bucket = new TokenBucket(o.rate, o.burst, now);
  let waited = 0;
  return {
    key: context.key,
    waitedMs: () => waited,
    process(messages, ctx) {
      const ms = bucket.take(messages.length);
      if (ms <= 0) return messages;
      const t0 = performance.now();
      return sleep(Math.ceil(ms), undefined, { signal: ctx.signal }).then(
        () => {
          waited += performance.now() - t0;
          return messages;
        },
        (error: unknown) => {
          waited += performance.now() - t0;
          throw new EdgeplaneError(
            'cancelled',
            RATE_LIMIT_COMPONENT,
            `stopped while waiting ${Math.ceil(ms)} ms for tokens ${where(context)}`,
            { cause: error },
          );
        },
      );
    },
  };
}
