import { EdgeplaneError, type ErrorCode } from '@edgeplane/errors';
import { sendPartial } from '../transport/results.js';
import type {
  InboundMessage,
  OutboundMessage,
  RejectedMessage,
  SendResult,
  Transport,
} from '../transport/types.js';
import { type RetryOptions, type SendHooks, sendWithRetry } from './retry.js';

/** Codes of a refusal that concerns one message, not the batch or the connection. */
const MESSAGE_LEVEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid-input', 'too-large']);

/** True when a batch's permanent failure may be one message's fault (the loop isolates it). */
export function isMessageLevel(result: SendResult, batchSize: number): boolean {
  return result.status === 'failed' && batchSize > 1 && MESSAGE_LEVEL.has(result.error.code);
}

/**
 * For a transport that failed a whole batch with `invalid-input` / `too-large` without saying
 * which message: sends the batch again one message at a time (with retries) and returns `partial`
 * naming the refused ones, `ok`, or the first failure that is not about one message. Messages of
 * the failed batch that the transport had written already may be written twice (at-least-once).
 */
export async function isolateRejects(
  transport: Transport,
  batch: readonly OutboundMessage[],
  options: RetryOptions & SendHooks,
): Promise<SendResult> {
  const rejected: RejectedMessage[] = [];
  for (let index = 0; index < batch.length; index++) {
    const message = batch[index] as OutboundMessage;
    const result = await sendWithRetry(transport, [message], options);
    if (result.status === 'ok') continue;
    if (result.status === 'partial') {
      const first = result.rejected[0];
      if (first) rejected.push({ index, error: first.error });
      continue;
    }
    if (result.status === 'failed' && MESSAGE_LEVEL.has(result.error.code)) {
      rejected.push({ index, error: result.error });
      continue;
    }
    return result;
  }
  return sendPartial(rejected);
}

/** The first rejection of a `partial` result (lowest index). */
export function firstRejected(rejected: readonly RejectedMessage[]): RejectedMessage | undefined {
  let first: RejectedMessage | undefined;
  for (const r of rejected) if (!first || r.index < first.index) first = r;
  return first;
}

/**
 * The error of a message the egress refused permanently, under `stop_pipeline`: names the
 * egress, the message's origin at the ingress (`InboundMessage.origin`, else its id), its size
 * (bytes) and the reason; says what was acknowledged and what comes back on restart.
 */
export function rejectedMessageError(input: {
  readonly egress: string;
  readonly ingress: string;
  readonly inbound: InboundMessage | undefined;
  readonly message: OutboundMessage | undefined;
  readonly reject: RejectedMessage;
  readonly batchSize: number;
  readonly rejectedCount: number;
}): EdgeplaneError {
  const { reject, inbound, message } = input;
  const where = inbound ? (inbound.origin ?? inbound.id) : 'an unknown position';
  const bytes = message ? (message.bodyLength ?? message.body.byteLength) : 0;
  const others = input.rejectedCount > 1 ? ` (${input.rejectedCount - 1} more in the batch)` : '';
  const after = input.batchSize - reject.index - 1;
  return new EdgeplaneError(
    reject.error.code,
    'adapter-loop',
    `egress "${input.egress}" refused a message permanently${others}: ${reject.error.message}; ` +
      `the message came from ingress "${input.ingress}" at ${where} (${bytes} bytes); ` +
      `stop_pipeline: the ${reject.index} message(s) before it in its batch were delivered and acknowledged, ` +
      `it and the ${after} after it stay unacknowledged and come back on restart`,
    {
      cause: reject.error,
      details: {
        egress: input.egress,
        ingress: input.ingress,
        origin: where,
        id: inbound?.id,
        bytes,
        reason: reject.error.code,
      },
      hint:
        reject.error.hint ??
        'fix or remove that message at its source (or the stage that produces it): a restart stops at it again',
    },
  );
}
