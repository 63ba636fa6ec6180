import type { InboundBatch, InboundMessage, Transport } from '@edgeplane/adapter-loop/transport';
import type { Drained, DrainOptions } from './types.js';

/** Resolves after `ms`, unless cleared; never keeps the process alive. */
export function delay(ms: number): { promise: Promise<'timeout'>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** How many of `batch` to acknowledge so that exactly the first `limit` messages overall are. */
async function ackUpTo(batch: InboundBatch, before: number, limit: number): Promise<void> {
  const n = Math.min(batch.messages.length, limit - before);
  if (n <= 0) return;
  await (n === batch.messages.length ? batch.ack() : batch.ack(n));
}

/**
 * Receives from `source` until `count` messages arrived, then ends the iteration (`break`).
 * Fails, naming what arrived, if the source ends early, throws, or is too slow.
 */
export async function drain(
  source: Transport,
  options: DrainOptions,
  testTimeoutMs: number,
): Promise<Drained> {
  if (!source.receive)
    throw new Error('conformance: the transport declares source but has no receive()');
  const timeoutMs = options.timeoutMs ?? Math.floor(testTimeoutMs / 2);
  const windowed = source.capabilities.maxInFlight !== undefined;
  const ack = options.ack ?? windowed;
  const ackLimit = ack === true ? Number.POSITIVE_INFINITY : ack || 0;
  const messages: InboundMessage[] = [];
  const batches: InboundBatch[] = [];
  const controller = new AbortController();
  let ended = false;
  const run = async (): Promise<void> => {
    const iterable = source.receive?.({ from: options.from, signal: controller.signal });
    if (!iterable) return;
    for await (const batch of iterable) {
      const before = messages.length;
      batches.push(batch);
      for (const message of batch.messages) messages.push(message);
      await ackUpTo(batch, before, ackLimit);
      if (messages.length >= options.count) return;
    }
    ended = true;
  };
  const timer = delay(timeoutMs);
  const abortTimer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // The timer also guards against a receive() that ignores its aborted signal.
    const outcome = await Promise.race([run(), timer.promise]);
    if (outcome === 'timeout' || messages.length < options.count) {
      const why = ended ? 'the source ended' : `no more arrived within ${timeoutMs} ms`;
      throw new Error(
        `expected ${options.count} messages, got ${messages.length}: ${why}` +
          (options.from === undefined ? '' : ` (receive from ${JSON.stringify(options.from)})`),
      );
    }
    return { messages, batches };
  } finally {
    timer.clear();
    clearTimeout(abortTimer);
  }
}

/** The bodies of `messages` as hex strings, for readable diffs of binary payloads. */
export function hexBodies(messages: readonly { readonly body: Uint8Array }[]): string[] {
  return messages.map((m) =>
    Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('hex'),
  );
}

/** How a `receive()` iteration ended. */
export interface Consumed {
  /** Batches yielded before the end. */
  readonly batches: number;
  /** What the iteration threw, if it did not end quietly. */
  readonly error?: unknown;
  /** `performance.now()` when it ended. */
  readonly endedAt: number;
}

/** Iterates `source.receive()` to its end, counting batches; never throws. */
export async function consume(
  source: Transport,
  signal: AbortSignal,
  onBatch?: (batch: InboundBatch) => void,
): Promise<Consumed> {
  let batches = 0;
  try {
    const iterable = source.receive?.({ signal });
    if (iterable) {
      for await (const batch of iterable) {
        batches++;
        onBatch?.(batch);
      }
    }
    return { batches, endedAt: performance.now() };
  } catch (error) {
    return { batches, error, endedAt: performance.now() };
  }
}

/** Resolves `promise`, or `'timeout'` if it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const timer = delay(ms);
  try {
    return await Promise.race([promise, timer.promise]);
  } finally {
    timer.clear();
  }
}
