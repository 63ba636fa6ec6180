import { EdgeplaneError } from '@edgeplane/errors';
import pRetry, { AbortError } from 'p-retry';
import type { OutboundMessage, SendResult, Transport } from '../transport/types.js';

/** Retry policy for retryable egress failures: exponential backoff with full jitter. */
export interface RetryOptions {
  /** Retries after the first attempt (default 10; adapter config `loop.maxRetries`). */
  readonly maxRetries?: number;
  /** First backoff, ms (default 100; `loop.retryMinDelayMs`). */
  readonly minDelayMs?: number;
  /** Backoff ceiling, ms (default 30000; `loop.retryMaxDelayMs`). */
  readonly maxDelayMs?: number;
}

/** Hooks of one `sendWithRetry` call. */
export interface SendHooks {
  readonly signal: AbortSignal;
  /**
   * Aborted when the loop stops waiting for a send in progress (its shutdown timeout passed):
   * the send is abandoned even if the transport ignores `signal`. Absent: always awaited.
   */
  readonly abandon?: AbortSignal | undefined;
  /** Told of every failed attempt that will be retried. */
  readonly onRetry: (error: EdgeplaneError) => void;
  /** Before each `send()` call. */
  readonly onAttempt?: () => void;
  /** After each `send()` call, whatever its outcome. */
  readonly onSettled?: () => void;
}

/** Waits `ms`, or less when `signal` aborts (a stop does not wait out a server's Retry-After). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The error of a batch whose retries ran out: how many attempts over how long, the settings that
 * govern it, and the first and the last error (the first is the incident's cause).
 */
export function exhaustedError(
  first: EdgeplaneError,
  last: EdgeplaneError,
  attempts: number,
  elapsedMs: number,
  options: RetryOptions,
): EdgeplaneError {
  const seconds = (elapsedMs / 1000).toFixed(1);
  const settings = `maxRetries ${options.maxRetries ?? 10}, retryMaxDelayMs ${options.maxDelayMs ?? 30_000}`;
  const errors =
    first === last || first.message === last.message
      ? `error: ${last.message}`
      : `first error: ${first.message}; last error: ${last.message}`;
  return new EdgeplaneError(
    last.code,
    'adapter-loop',
    `gave up on an egress batch after ${attempts} attempts over ${seconds} s (${settings}); ${errors}`,
    {
      cause: last,
      details: { attempts, elapsed_ms: Math.round(elapsedMs), first: first.message },
      hint:
        last.hint ??
        first.hint ??
        'fix the cause above; to ride out longer outages raise loop.maxRetries or loop.retryMaxDelayMs in the adapter config',
    },
  );
}

/**
 * Resolves as `promise` does, or rejects with `cancelled` as soon as `signal` aborts: a send
 * that ignores its signal (a client stuck on a dead connection) cannot hold the loop past its
 * shutdown timeout. The abandoned send may still complete; its messages are then duplicates
 * after a restart (the ingress was not acknowledged), never a loss.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelledSend());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledSend());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const cancelledSend = () =>
  new EdgeplaneError(
    'cancelled',
    'adapter-loop',
    'send cancelled: the loop stopped before the egress confirmed the batch',
  );

/**
 * Sends one batch, retrying `retryable` results (and thrown retryable errors) with backoff,
 * honouring `retryAfterMs`. Resolves to the final result: `ok`, `partial` (as the transport gave
 * it), or `failed` (permanent: the transport's error; retries exhausted: `exhaustedError`).
 */
export async function sendWithRetry(
  transport: Transport,
  batch: readonly OutboundMessage[],
  options: RetryOptions & SendHooks,
): Promise<SendResult> {
  const send = transport.send;
  if (!send)
    throw new EdgeplaneError(
      'invalid-config',
      'adapter-loop',
      `transport "${transport.name}" cannot be an egress (no send)`,
    );
  const component = `transport:${transport.name}`;
  let retryAfterMs = 0;
  let final: SendResult | undefined;
  let first: EdgeplaneError | undefined;
  let attempts = 0;
  const t0 = performance.now();
  try {
    await pRetry(
      async () => {
        let result: SendResult;
        attempts++;
        options.onAttempt?.();
        try {
          const sending = send.call(transport, batch, options.signal);
          result = await (options.abandon ? untilAborted(sending, options.abandon) : sending);
        } catch (thrown) {
          const error = EdgeplaneError.from(thrown, component);
          result = error.retryable ? { status: 'retryable', error } : { status: 'failed', error };
        } finally {
          options.onSettled?.();
        }
        if (result.status === 'ok' || result.status === 'partial') {
          final = result;
          return;
        }
        first ??= result.error;
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
        onFailedAttempt: async ({ error, retriesLeft }) => {
          options.onRetry(EdgeplaneError.from(error, component));
          if (retryAfterMs > 0 && retriesLeft > 0) await sleep(retryAfterMs, options.signal);
        },
      },
    );
    return final ?? { status: 'ok' };
  } catch (error) {
    // p-retry rejects once its signal is aborted, even after an attempt that succeeded.
    if (final) return final;
    if (options.signal.aborted) {
      const detail = 'send cancelled: the loop stopped before the egress confirmed the batch';
      return { status: 'failed', error: new EdgeplaneError('cancelled', 'adapter-loop', detail) };
    }
    const last = EdgeplaneError.from(error, component);
    if (!last.retryable || attempts <= 1) return { status: 'failed', error: last };
    const elapsed = performance.now() - t0;
    return {
      status: 'failed',
      error: exhaustedError(first ?? last, last, attempts, elapsed, options),
    };
  }
}
