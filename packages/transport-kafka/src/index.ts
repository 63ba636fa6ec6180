/**
 * `@edgeplane/transport-kafka`: Apache Kafka as an edgeplane ingress (a consumer-group member
 * that commits offsets only after the egress has the messages) or egress (an idempotent
 * producer, `acks=-1`). Built on @platformatic/kafka 2.12.
 *
 * @module
 */

import { kafkaTransport } from './transport.js';

export type { KafkaLogEntry } from './client.js';
export type {
  KafkaSaslMechanism,
  KafkaTransportOptions,
  ResolvedKafkaOptions,
} from './options.js';
export type { KafkaTransport, KafkaTransportHooks } from './transport.js';
export { createKafkaTransport, kafkaCapabilities, kafkaTransport } from './transport.js';

/** The descriptor, as the default export (how the CLI loads transports). */
export default kafkaTransport;
