import type { TransportCapabilities } from '@edgeplane/adapter-loop/transport';
import { DEFAULT_MAX_BODY_BYTES } from './options.js';

/**
 * What the NATS transport promises for a mode. JetStream: at-least-once with redelivery (nack,
 * ack wait, close) and replay by stream sequence; ordering `none`, because JetStream redelivers a
 * message after newer ones when it was not acknowledged in time (a crash, a server restart, a
 * nack with delay, several processes on one durable). Core: at-most-once, no redelivery after a
 * restart, no replay; ordering `total`: one subscription sees the messages in the order the
 * server received them (a publisher's own order is kept), and the sink publishes a batch in order.
 */
export function natsCapabilities(options: {
  readonly mode?: 'jetstream' | 'core' | undefined;
  readonly maxBodyBytes?: number | undefined;
}): TransportCapabilities {
  const jetstream = (options.mode ?? 'jetstream') === 'jetstream';
  return {
    source: true,
    sink: true,
    ordering: jetstream ? 'none' : 'total',
    redelivery: jetstream,
    replay: jetstream,
    keys: true,
    headers: true,
    delivery: jetstream ? 'at-least-once' : 'at-most-once',
    framing: 'message',
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
}
