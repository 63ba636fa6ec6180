import {
  type EdgeplaneError,
  type OutboundMessage,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { type Connections, usable } from './connection.js';
import {
  cancelledError,
  closedError,
  commandTimeout,
  type ErrorContext,
  notReplicated,
  tooLarge,
} from './errors.js';
import type { FieldMapping } from './fields.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

const asResult = (error: EdgeplaneError): SendResult =>
  error.retryable ? sendRetryable(error) : sendFailed(error);

/** Resolves `promise`, or `undefined` after `ms` (the late result is ignored). */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Codes of a reply error that concern one message, not the batch: that message fails alone.
 * `invalid-input` is Redis's catch-all `ERR` for a command it refuses (an argument it cannot take).
 * Credentials, ACL, wrong key type, read-only replica: every message would fail the same way.
 */
const PER_MESSAGE: ReadonlySet<string> = new Set(['invalid-input', 'too-large']);

/**
 * The sink: one pipeline per batch (every `XADD`, then `WAIT` when `waitReplicas` is set), one
 * round trip, `ok` once the server has answered every command. Nothing is retried here: a
 * connection that is down or drops mid-batch is `retryable` (`unavailable`), and so is a `WAIT`
 * short of replicas; a batch retried after a partial failure may add some entries twice
 * (at-least-once). A message refused for itself (a body over `maxBodyBytes` or the server's
 * `proto-max-bulk-len`, checked before anything is sent; an `ERR` reply to its `XADD`) fails
 * alone: the result is `partial`, every other message was written.
 */
export class RedisSink {
  private readonly context: ErrorContext;

  constructor(
    private readonly options: ResolvedRedisStreamsOptions,
    private readonly connections: Connections,
    private readonly fields: FieldMapping,
  ) {
    this.context = {
      action: `XADD to stream ${JSON.stringify(options.stream)}`,
      server: connections.server,
    };
  }

  /** Messages over the body limit, refused before anything is sent. */
  private oversized(batch: readonly OutboundMessage[]): RejectedMessage[] {
    const { options, connections } = this;
    const server = connections.bulkLimit;
    const limit = Math.min(options.maxBodyBytes, server ?? Number.POSITIVE_INFINITY);
    const which =
      limit === options.maxBodyBytes
        ? '`maxBodyBytes`'
        : `the server's \`proto-max-bulk-len\` on ${connections.server}`;
    const rejected: RejectedMessage[] = [];
    for (let i = 0; i < batch.length; i++) {
      const size = (batch[i] as OutboundMessage).body.byteLength;
      if (size > limit) rejected.push({ index: i, error: tooLarge(i, size, limit, which) });
    }
    return rejected;
  }

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    const { connections, options, fields } = this;
    if (connections.closed) return sendFailed(closedError());
    if (connections.fatal) return sendFailed(connections.fatal);
    if (signal?.aborted) return sendFailed(cancelledError());
    if (batch.length === 0) return sendOk();
    const client = connections.cmd;
    if (!usable(client)) return asResult(connections.down(client, this.context.action));
    const rejected = this.oversized(batch);
    const skip = new Set(rejected.map((r) => r.index));
    const sent: number[] = [];
    const pipeline = client.pipeline();
    for (let i = 0; i < batch.length; i++) {
      if (skip.has(i)) continue;
      sent.push(i);
      pipeline.callBuffer('XADD', fields.xaddArgs(options.stream, batch[i] as OutboundMessage));
    }
    if (sent.length === 0) return sendPartial(rejected);
    if (options.waitReplicas > 0)
      pipeline.call('WAIT', options.waitReplicas, options.waitTimeoutMs);
    let replies: [Error | null, unknown][] | null | undefined;
    try {
      replies = await withTimeout(pipeline.exec(), options.commandTimeoutMs);
    } catch (error) {
      return asResult(connections.error(client, error, this.context.action));
    }
    if (replies === undefined)
      return sendRetryable(commandTimeout(this.context, options.commandTimeoutMs));
    if (!replies) return asResult(connections.down(client, this.context.action));
    let batchError: EdgeplaneError | undefined;
    let alone: EdgeplaneError | undefined;
    for (let j = 0; j < replies.length; j++) {
      const error = (replies[j] as [Error | null, unknown])[0];
      if (!error) continue;
      const index = sent[j];
      const action = index === undefined ? 'WAIT' : `${this.context.action} (message ${index})`;
      const mapped = connections.error(client, error, action);
      if (index !== undefined && PER_MESSAGE.has(mapped.code)) {
        rejected.push({ index, error: mapped });
        alone ??= mapped;
      } else batchError ??= mapped;
    }
    if (batchError) {
      // A message refused for itself, and others not written for a reason that may pass (the
      // connection dropped after it): not a `partial` (those others were not taken). `failed`
      // with the message's own code makes the loop send the batch one message at a time.
      if (alone && batchError.retryable) return sendFailed(alone);
      return asResult(batchError);
    }
    if (options.waitReplicas > 0) {
      const got = Number(replies[replies.length - 1]?.[1]);
      if (got < options.waitReplicas)
        return sendRetryable(notReplicated(this.context, got, options.waitReplicas));
    }
    return sendPartial(rejected.sort((a, b) => a.index - b.index));
  }
}
