/**
 * Real servers for edgeplane's transport tests, provided the same way on a developer machine
 * and in CI. Every factory fails loudly with a fix-it message when it cannot provide its
 * server: tests never skip for a missing server.
 *
 * @module
 */
export { TestServerError } from './errors.js';
export {
  DEFAULT_KAFKA_PORT,
  ensureKafka,
  type KafkaServerOptions,
  type KafkaTestServer,
  kafkaMetadataCheck,
  kafkaServer,
  restartKafka,
  stopKafka,
} from './kafka.js';
export { KAFKA_VERSION } from './kafka-dist.js';
export { freePort, uniqueName, waitForTcp } from './net.js';
export { cacheDir } from './paths.js';
export type { Provenance, ServerFactory, TestServer } from './types.js';
