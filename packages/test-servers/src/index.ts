/**
 * Real servers for edgeplane's transport tests, provided the same way on a developer machine
 * and in CI. Every factory fails loudly with a fix-it message when it cannot provide its
 * server: tests never skip for a missing server.
 *
 * @module
 */

export { type CliIo, runCli } from './cli-run.js';
export {
  type AdapterDoc,
  adapters,
  type CliResult,
  cliSpec,
  cliWorkdir,
  collect,
  crlfInput,
  EDGEPLANE_CLI,
  exited,
  fileLines,
  finished,
  readLines,
  readSnapshot,
  readText,
  removeWorkdirs,
  runEdgeplane,
  type SnapshotDoc,
  sleep,
  startCli,
  until,
} from './edgeplane-cli.js';
export { TestServerError } from './errors.js';
export {
  DEFAULT_KAFKA_PORT,
  ensureKafka,
  isKafkaStartedHere,
  type KafkaServerOptions,
  type KafkaTestServer,
  kafkaMetadataCheck,
  kafkaServer,
  restartKafka,
  stopKafka,
} from './kafka.js';
export { ensureKafkaConnect, ensureKafkaTools, javaBinary, KAFKA_VERSION } from './kafka-dist.js';
export {
  type KafkaUsers,
  kafkaUsersOverride,
  type PrivateKafka,
  type PrivateKafkaOptions,
  privateKafka,
} from './kafka-private.js';
export { addKafkaTlsListener, type KafkaTlsListener } from './kafka-tls.js';
export {
  ensureMachineService,
  type MachineService,
  type MachineTestServer,
  natsServer,
  postgresServer,
  redisServer,
} from './machine.js';
export { natsTlsConfig, type PrivateNatsTlsOptions, privateNatsTls } from './nats-tls.js';
export { freePort, uniqueName, waitForTcp } from './net.js';
export { cacheDir } from './paths.js';
export { natsInfo, postgresPing, redisPing } from './pings.js';
export { createTestPki, type TestCertificate, type TestPki } from './pki.js';
export {
  type PostgresTlsFront,
  type PrivatePostgres,
  type PrivatePostgresOptions,
  postgresTlsFront,
  privatePostgres,
} from './postgres-private.js';
export {
  type DisposablePrivateServer,
  type PrivateServerOptions,
  privateNats,
  privateRedis,
} from './private.js';
export {
  ensureRabbitmqStream,
  isBeforeRabbitmq311,
  type RabbitmqStreamTestServer,
  rabbitmqStreamServer,
} from './rabbitmq.js';
export {
  type PrivateRabbitmq,
  type PrivateRabbitmqOptions,
  privateRabbitmq,
} from './rabbitmq-private.js';
export { applyConfSettings, STREAM_SETTINGS, setupRabbitmqStream } from './rabbitmq-setup.js';
export {
  type PrivateRabbitmqTls,
  type PrivateRabbitmqTlsOptions,
  privateRabbitmqTls,
} from './rabbitmq-tls.js';
export {
  type PrivateRedisTls,
  type PrivateRedisTlsOptions,
  privateRedisTls,
} from './redis-tls.js';
export { type S3TestServer, s3Server, startS3 } from './s3.js';
export {
  type PrivateS3Proxy,
  S3PROXY_VERSION,
  type S3ProxyOptions,
  startS3Proxy,
} from './s3proxy.js';
export { streamPeerProperties } from './stream-protocol.js';
export { type TlsProxy, type TlsProxyOptions, tlsProxy } from './tls-proxy.js';
export type { PrivateServer, Provenance, ServerFactory, TestServer } from './types.js';
