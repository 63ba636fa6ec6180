import type { EdgeplaneError } from '@edgeplane/errors';
import type { SendResult } from './types.js';

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
