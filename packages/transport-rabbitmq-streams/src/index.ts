/**
 * `@edgeplane/transport-rabbitmq-streams`: RabbitMQ Streams as an edgeplane ingress (a named
 * consumer whose acknowledged offset is stored on the broker) or egress (a named publisher whose
 * publishing ids the broker deduplicates, confirmed before `ok`). Works with RabbitMQ 3.10 and
 * newer (see `installClientCompat`).
 *
 * @module
 */

import { rabbitmqStreamsTransport } from './transport.js';

export { installClientCompat, isBeforeRabbitmq311 } from './compat.js';
export type {
  RabbitmqStreamsTransportOptions,
  ResolvedRabbitmqStreamsOptions,
  StartOffset,
} from './options.js';
export type { RabbitmqStreamsTransport } from './transport.js';
export {
  createRabbitmqStreamsTransport,
  MAX_BODY_BYTES,
  rabbitmqStreamsCapabilities,
  rabbitmqStreamsTransport,
} from './transport.js';

export default rabbitmqStreamsTransport;
