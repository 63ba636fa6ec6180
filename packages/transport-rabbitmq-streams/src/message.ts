import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';

/** An inbound message with its stream offset (the position, as a bigint). */
export interface StreamMessage extends InboundMessage {
  readonly offset: bigint;
}

/**
 * Maps a delivered AMQP message: the data section is the body, the properties' `subject` the
 * key, application properties the headers (non-string values, from other publishers, as text).
 * `id` is `<stream>@<offset>`, stable across redelivery; `position` is the offset.
 */
export function toInbound(stream: string, message: Message): StreamMessage {
  const offset = message.offset ?? 0n;
  const headers: Record<string, string> = {};
  const properties = message.applicationProperties;
  if (properties)
    for (const name of Object.keys(properties)) headers[name] = String(properties[name]);
  return {
    id: `${stream}@${offset}`,
    position: String(offset),
    key: message.messageProperties?.subject,
    headers,
    body: message.content,
    offset,
  };
}
