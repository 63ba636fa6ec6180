import type { InboundBatch, InboundMessage } from '@edgeplane/adapter-loop/transport';
import { DeliverPolicy, type JetStreamClient, type JsMsg } from 'nats';
import { badPosition, natsError } from './errors.js';
import { inbound, Queue, streamOrigin } from './message.js';
import type { ResolvedNatsOptions } from './options.js';

const RESOLVED = Promise.resolve();

/** A replayed batch: read-only with respect to the durable consumer, so ack and nack do nothing. */
class ReplayBatch implements InboundBatch {
  constructor(readonly messages: readonly InboundMessage[]) {}
  ack(): Promise<void> {
    return RESOLVED;
  }
  nack(): Promise<void> {
    return RESOLVED;
  }
}

/**
 * `receive({ from })`: an ephemeral ordered consumer (no acks, gaps repaired by the client)
 * starting right after stream sequence `from`, filtered like the durable. It reads the stream as
 * stored; the durable consumer's acknowledgements are neither consulted nor changed.
 */
export async function* replayBatches(
  js: JetStreamClient,
  options: ResolvedNatsOptions,
  from: string,
  max: number,
  stop: AbortSignal,
): AsyncGenerator<InboundBatch> {
  if (!/^[0-9]{1,15}$/.test(from)) throw badPosition(from, 'is not a stream sequence');
  const { stream, subject, keyHeader, pullMaxMessages } = options;
  const consumer = await js.consumers
    .get(stream as string, {
      filterSubjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Number(from) + 1,
    })
    .catch((error: unknown) => {
      throw natsError(error, `cannot replay stream ${stream} from ${from}`);
    });
  const queue = new Queue<JsMsg>();
  const messages = await consumer.consume({
    max_messages: pullMaxMessages,
    callback: (m) => queue.push(m),
  });
  try {
    while (!stop.aborted) {
      if (queue.length === 0) {
        await queue.wait(stop);
        continue;
      }
      const raw = queue.take(max);
      yield new ReplayBatch(
        raw.map((m) =>
          inbound(
            m,
            `${stream}:${m.seq}`,
            String(m.seq),
            keyHeader,
            streamOrigin(stream, m.seq, m.subject),
          ),
        ),
      );
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
}
