/**
 * `@edgeplane/transport-nats`: NATS as an edgeplane ingress or egress. JetStream (default): a
 * durable pull consumer with explicit acks confirmed by the server (at-least-once), publish acks
 * and `Nats-Msg-Id` deduplication on the way out. Core (`mode: 'core'`): plain subjects,
 * at-most-once.
 *
 * @module
 */
import { natsTransport } from './transport.js';

export type { NatsTransportOptions, ResolvedNatsOptions } from './options.js';
export type { NatsTransport } from './transport.js';
export { createNatsTransport, natsCapabilities, natsTransport } from './transport.js';
export default natsTransport;
