import {
  type EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { type Connections, usable } from './connection.js';
import {
  cancelledError,
  closedError,
  commandTimeout,
  type ErrorContext,
  notReplicated,
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
 * The sink: one pipeline per batch (every `XADD`, then `WAIT` when `waitReplicas` is set), one
 * round trip, `ok` once the server has answered every command. Nothing is retried here: a
 * connection that is down or drops mid-batch is `retryable` (`unavailable`), and so is a `WAIT`
 * short of replicas; a batch retried after a partial failure may add some entries twice
 * (at-least-once).
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

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    const { connections, options, fields } = this;
    if (connections.closed) return sendFailed(closedError());
    if (signal?.aborted) return sendFailed(cancelledError());
    if (batch.length === 0) return sendOk();
    const client = connections.cmd;
    if (!usable(client)) return asResult(connections.down(client, this.context.action));
    const pipeline = client.pipeline();
    for (const m of batch) pipeline.callBuffer('XADD', fields.xaddArgs(options.stream, m));
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
    for (const [error] of replies)
      if (error) return asResult(connections.error(client, error, this.context.action));
    if (options.waitReplicas > 0) {
      const got = Number(replies[replies.length - 1]?.[1]);
      if (got < options.waitReplicas)
        return sendRetryable(notReplicated(this.context, got, options.waitReplicas));
    }
    return sendOk();
  }
}
