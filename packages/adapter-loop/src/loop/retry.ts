import { EdgeplaneError } from '@edgeplane/errors';
import pRetry, { AbortError } from 'p-retry';
import type { OutboundMessage, SendResult, Transport } from '../transport/types.js';

/** Retry policy for retryable egress failures: exponential backoff with full jitter. */
export interface RetryOptions {
  /** Retries after the first attempt (default 10). */
  readonly maxRetries?: number;
  /** First backoff, ms (default 100). */
  readonly minDelayMs?: number;
  /** Backoff ceiling, ms (default 30000). */
  readonly maxDelayMs?: number;
}

/**
 * Sends one batch, retrying `retryable` results (and thrown retryable errors) with backoff,
 * honouring `retryAfterMs`. Resolves to the final result: `ok`, or `failed` (permanent, or retries
 * exhausted: the last error). `onRetry` is told of every failed attempt.
 */
export async function sendWithRetry(
  transport: Transport,
  batch: readonly OutboundMessage[],
  options: RetryOptions & {
    signal: AbortSignal;
    onRetry: (error: EdgeplaneError) => void;
    onAttempt?: () => void;
  },
): Promise<SendResult> {
  const send = transport.send;
  if (!send)
    throw new EdgeplaneError(
      'invalid-config',
      'adapter-loop',
      `transport "${transport.name}" cannot be an egress (no send)`,
    );
  let retryAfterMs = 0;
  let succeeded = false;
  let partial: SendResult | undefined;
  try {
    await pRetry(
      async () => {
        let result: SendResult;
        options.onAttempt?.();
        try {
          result = await send.call(transport, batch, options.signal);
        } catch (thrown) {
          const error = EdgeplaneError.from(thrown, `transport:${transport.name}`);
          result = error.retryable ? { status: 'retryable', error } : { status: 'failed', error };
        }
        if (result.status === 'ok' || result.status === 'partial') {
          succeeded = true;
          if (result.status === 'partial') partial = result;
          return;
        }
        if (result.status === 'failed') throw new AbortError(result.error);
        retryAfterMs = result.retryAfterMs ?? 0;
        throw result.error;
      },
      {
        retries: options.maxRetries ?? 10,
        factor: 2,
        minTimeout: options.minDelayMs ?? 100,
        maxTimeout: options.maxDelayMs ?? 30_000,
        randomize: true,
        signal: options.signal,
        onFailedAttempt: async ({ error }) => {
          options.onRetry(EdgeplaneError.from(error, `transport:${transport.name}`));
          if (retryAfterMs > 0) await new Promise((r) => setTimeout(r, retryAfterMs));
        },
      },
    );
    return partial ?? { status: 'ok' };
  } catch (error) {
    // p-retry rejects once its signal is aborted, even after an attempt that succeeded.
    if (succeeded) return partial ?? { status: 'ok' };
    if (options.signal.aborted) {
      const detail = 'send cancelled: the loop stopped before the egress confirmed the batch';
      return { status: 'failed', error: new EdgeplaneError('cancelled', 'adapter-loop', detail) };
    }
    return { status: 'failed', error: EdgeplaneError.from(error, `transport:${transport.name}`) };
  }
}
