import type { InboundBatch, ReceiveOptions } from '@edgeplane/adapter-loop/transport';
import { badPosition } from './errors.js';
import { sourceTopics } from './options.js';
import type { KafkaSource } from './source.js';

/** `[<topic>/]<partition>:<offset>`, or a message id `<topic>/<partition>@<offset>`. */
const POSITION = /^(?:(.+)\/)?([0-9]+)[:@]([0-9]+)$/;

/** Parses `receive({ from })` against the source's topics. */
export function parsePosition(
  from: string,
  topics: readonly string[],
): { topic: string; partition: number; offset: number } {
  const match = POSITION.exec(from);
  if (!match) throw badPosition(from, 'is not `<partition>:<offset>`');
  const topic = match[1] ?? (topics.length === 1 ? topics[0] : undefined);
  if (topic === undefined)
    throw badPosition(from, 'names no topic, and this source reads several: prefix `<topic>/`');
  if (!topics.includes(topic)) throw badPosition(from, `names topic "${topic}", not read here`);
  return { topic, partition: Number(match[2]), offset: Number(match[3]) };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * One `receive()` iteration: starts the consumer if `open()` did not, seeks for `from`, then
 * yields what the background fetches put in the inbox, at most `batchMaxMessages` (or the
 * loop's hint) per batch. Ends quietly on abort or `close()`.
 */
export async function* receiveBatches(
  source: KafkaSource,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const stop = AbortSignal.any([options.signal, source.closing.signal]);
  if (stop.aborted) return;
  await Promise.race([source.start(), aborted(stop)]);
  if (stop.aborted) return;
  if (options.from !== undefined) {
    const topics = sourceTopics(source.options);
    const { topic, partition, offset } = parsePosition(options.from, topics);
    if (!source.seekAfter(topic, partition, offset)) {
      throw badPosition(options.from, `names partition ${partition}, not assigned to this member`);
    }
  }
  const limit = source.options.batchMaxMessages;
  const max = Math.max(1, Math.min(limit, options.maxBatchMessages ?? limit));
  while (!stop.aborted) {
    if (source.fatal) throw source.fatal;
    const batch = source.inbox.take(max, source);
    if (batch) {
      yield batch;
      continue;
    }
    await source.inbox.changed(stop);
  }
}
