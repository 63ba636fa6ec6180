import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  nanos,
  StorageType,
  type StreamInfo,
} from 'nats';
import { missingOption, natsError, subjectNotInStream } from './errors.js';
import type { ResolvedNatsOptions } from './options.js';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function errCode(error: unknown): number | undefined {
  return (error as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code;
}

/** Does a subject (with `*`/`>` wildcards) match a literal subject? */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * The stream, created when missing and `createStream` is set; `not-found` otherwise. With
 * `publish`, checks that the stream takes `subject` (a sink publishing elsewhere would get "no
 * responders" on every message).
 */
export async function ensureStream(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  publish: boolean,
): Promise<StreamInfo> {
  const stream = o.stream as string;
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(stream);
  } catch (error) {
    if (errCode(error) !== STREAM_NOT_FOUND || !o.createStream) {
      throw natsError(error, `cannot use stream ${stream}`);
    }
    try {
      info = await jsm.streams.add({
        name: stream,
        subjects: o.streamSubjects ?? [o.subject],
        storage: StorageType.File,
      });
    } catch (addError) {
      throw natsError(addError, `cannot create stream ${stream}`);
    }
  }
  const subjects = info.config.subjects ?? [];
  if (publish && !subjects.some((s) => subjectMatches(s, o.subject))) {
    throw subjectNotInStream(o.subject, stream, subjects);
  }
  return info;
}

/**
 * The durable pull consumer, created (explicit acks, filter `subject`) when missing and
 * `createConsumer` is set; `not-found` otherwise. Returns its ack wait in ms.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
): Promise<{ ackWaitMs: number; ackFloor: number }> {
  const stream = o.stream as string;
  const durable = o.durable;
  if (durable === undefined) {
    throw missingOption('durable', 'a JetStream source reads through a durable pull consumer');
  }
  try {
    const info = await jsm.consumers.info(stream, durable);
    return {
      ackWaitMs: Math.round((info.config.ack_wait ?? nanos(30_000)) / 1e6),
      ackFloor: info.ack_floor.stream_seq,
    };
  } catch (error) {
    if (errCode(error) !== CONSUMER_NOT_FOUND || !o.createConsumer) {
      throw natsError(error, `cannot use consumer ${durable} of stream ${stream}`);
    }
  }
  return { ...(await createConsumer(jsm, o)), ackFloor: 0 };
}

/**
 * Creates the durable (explicit acks, filter `subject`), delivering from `deliverPolicy`, or from
 * stream sequence `startSeq` when given (a consumer recreated mid-run). Returns its ack wait.
 */
export async function createConsumer(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  startSeq?: number,
): Promise<{ ackWaitMs: number }> {
  const stream = o.stream as string;
  const durable = o.durable as string;
  try {
    const info = await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(o.ackWaitMs),
      max_ack_pending: o.maxAckPending,
      ...(startSeq === undefined
        ? { deliver_policy: o.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }),
      filter_subject: o.subject,
    });
    return { ackWaitMs: Math.round((info.config.ack_wait ?? nanos(o.ackWaitMs)) / 1e6) };
  } catch (error) {
    throw natsError(error, `cannot create consumer ${durable} of stream ${stream}`);
  }
}

/** True when `error` is JetStream's "stream not found" (10059). */
export function isStreamNotFound(error: unknown): boolean {
  return errCode(error) === STREAM_NOT_FOUND;
}

/** True when `error` is JetStream's "consumer not found" (10014). */
export function isConsumerNotFound(error: unknown): boolean {
  return errCode(error) === CONSUMER_NOT_FOUND;
}
