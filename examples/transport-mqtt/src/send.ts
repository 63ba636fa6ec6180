import {
  EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import type { MqttClient } from 'mqtt';
import { mapMqttError } from './errors.js';

/** User properties the transport uses for the message id and key; user headers may not use them. */
export const ID_PROPERTY = 'edgeplane-id';
export const KEY_PROPERTY = 'edgeplane-key';

let sequence = 0;
const session = Math.random().toString(36).slice(2, 10);

function properties(m: OutboundMessage): Record<string, string> {
  const props: Record<string, string> = { ...m.headers, [ID_PROPERTY]: `${session}-${sequence++}` };
  if (m.key !== undefined) props[KEY_PROPERTY] = m.key;
  return props;
}

/**
 * Publishes a batch with QoS 1 and resolves `ok` once the broker acknowledged every message
 * (PUBACK). Not connected → `retryable`; a refused publish → the mapped code.
 */
export async function sendBatch(
  client: MqttClient | undefined,
  topic: string,
  batch: readonly OutboundMessage[],
): Promise<SendResult> {
  if (!client)
    return sendFailed(new EdgeplaneError('closed', 'transport:mqtt', 'send after close'));
  for (const m of batch) {
    for (const name of [ID_PROPERTY, KEY_PROPERTY]) {
      if (m.headers?.[name] !== undefined) {
        const detail = `header "${name}" is reserved by the mqtt transport`;
        return sendFailed(new EdgeplaneError('invalid-input', 'transport:mqtt', detail));
      }
    }
  }
  if (!client.connected) {
    const error = new EdgeplaneError(
      'unavailable',
      'transport:mqtt',
      'not connected to the broker (reconnecting)',
    );
    return sendRetryable(error);
  }
  const publishes = batch.map(
    (m) =>
      new Promise<void>((resolve, reject) => {
        const payload = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
        client.publish(
          topic,
          payload,
          { qos: 1, properties: { userProperties: properties(m) } },
          (e) => (e ? reject(e) : resolve()),
        );
      }),
  );
  const results = await Promise.allSettled(publishes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return sendOk();
  const error = mapMqttError(failed.reason, `publish to "${topic}"`);
  return error.retryable ? sendRetryable(error) : sendFailed(error);
}
