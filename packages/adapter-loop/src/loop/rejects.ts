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

/** A message refused permanently, by a stage or by the egress, at ring sequence `seq`. */
export interface Refusal {
  readonly seq: number;
  /** The message as the refusing stage or egress got it. */
  readonly message: OutboundMessage;
  /** The stage's or the egress's error (permanent). */
  readonly error: EdgeplaneError;
  /** Who refused it, for messages: `stage "parse"`, `egress "kafka-egress"`. */
  readonly by: string;
  /** The egress adapter's name when the egress refused it (a stage otherwise). */
  readonly egress?: string | undefined;
}

/**
 * The error of a message refused permanently, under `stop_pipeline`: names who refused it, the
 * message's origin at the ingress (`InboundMessage.origin`, else its id), its size (bytes) and
 * the reason; says what was acknowledged and what comes back on restart.
 */
export function refusalError(
  refusal: Refusal,
  input: {
    readonly ingress: string;
    readonly inbound: InboundMessage | undefined;
    /** Refusals in the batch, this one included. */
    readonly refusals: number;
    /** Messages of its egress batch before it and after it. */
    readonly before: number;
    readonly after: number;
  },
): EdgeplaneError {
  const { message, error } = refusal;
  const { inbound } = input;
  const where = inbound ? (inbound.origin ?? inbound.id) : 'an unknown position';
  const bytes = message.bodyLength ?? message.body.byteLength;
  const others = input.refusals > 1 ? ` (${input.refusals - 1} more in the batch)` : '';
  return new EdgeplaneError(
    error.code,
    'adapter-loop',
    `${refusal.by} refused a message permanently${others}: ${error.message}; ` +
      `the message came from ingress "${input.ingress}" at ${where} (${bytes} bytes); ` +
      `stop_pipeline: the ${input.before} message(s) before it in its batch were delivered and acknowledged, ` +
      `it and the ${input.after} after it stay unacknowledged and come back on restart`,
    {
      cause: error,
      details: {
        ...error.details,
        refused_by: refusal.by,
        ...(refusal.egress === undefined ? {} : { egress: refusal.egress }),
        ingress: input.ingress,
        origin: where,
        id: inbound?.id,
        bytes,
        reason: error.code,
      },
      hint:
        error.hint ??
        'fix or remove that message at its source (or the stage that produces it), or route refusals to a dead letter with loop.failurePolicy=dead_letter: a restart stops at it again',
    },
  );
}
