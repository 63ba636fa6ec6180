import type { EdgeplaneError } from '@edgeplane/errors';
import type { RejectedMessage, SendResult } from './types.js';

const OK: SendResult = Object.freeze({ status: 'ok' });

/** The `ok` send result (a shared frozen object). */
export function sendOk(): SendResult {
  return OK;
}

/** A permanent failure: the loop stops without acknowledging (`stop_pipeline`). */
export function sendFailed(error: EdgeplaneError): SendResult {
  return { status: 'failed', error };
}

/** A retryable failure: the loop retries with exponential backoff and jitter. */
export function sendRetryable(error: EdgeplaneError, retryAfterMs?: number): SendResult {
  return retryAfterMs === undefined
    ? { status: 'retryable', error }
    : { status: 'retryable', error, retryAfterMs };
}

/**
 * The result of a batch some of whose messages were refused permanently: `ok` when `rejected` is
 * empty, else `partial` (every other message was durably taken). Indexes are into the batch.
 */
export function sendPartial(rejected: readonly RejectedMessage[]): SendResult {
  return rejected.length === 0 ? OK : { status: 'partial', rejected };
}
