/** SASL mechanisms the transport offers (as @platformatic/kafka's PLAIN, SCRAM-SHA-256/512). */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** Options of the Kafka transport, as library users pass them (the adapter config may use strings). */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port` each (an array, or a comma-separated string). */
  readonly brokers: readonly string[] | string;
  /** The topic: produced to (sink) and consumed from (source). */
  readonly topic?: string | undefined;
  /** Source: several topics to consume from (instead of `topic`). */
  readonly topics?: readonly string[] | string | undefined;
  /** Source: consumer group id (required for the source role). */
  readonly groupId?: string | undefined;
  /** Source: where a group without committed offsets starts. Default false (the end). */
  readonly fromBeginning?: boolean | undefined;
  /** Client id sent to the brokers. Default `edgeplane`. */
  readonly clientId?: string | undefined;
  readonly ssl?: boolean | undefined;
  readonly sslCaFile?: string | undefined;
  readonly sslCertFile?: string | undefined;
  readonly sslKeyFile?: string | undefined;
  readonly sslVerify?: boolean | undefined;
  readonly saslMechanism?: KafkaSaslMechanism | undefined;
  readonly saslUsername?: string | undefined;
  readonly saslPassword?: string | undefined;
  readonly connectionTimeoutMs?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  readonly retries?: number | undefined;
  readonly retryInitialMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
  readonly reconnectRetries?: number | undefined;
  readonly sessionTimeoutMs?: number | undefined;
  readonly heartbeatIntervalMs?: number | undefined;
  readonly rebalanceTimeoutMs?: number | undefined;
  readonly maxWaitTimeMs?: number | undefined;
  readonly maxBytesPerPartition?: number | undefined;
  readonly batchMaxMessages?: number | undefined;
  readonly bufferMaxMessages?: number | undefined;
  readonly lagIntervalMs?: number | undefined;
  readonly compression?: 'none' | 'gzip' | undefined;
  readonly maxBodyBytes?: number | undefined;
  readonly maxBatchBytes?: number | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedKafkaOptions {
  readonly brokers: string[];
  readonly topic?: string | undefined;
  readonly topics?: string[] | undefined;
  readonly groupId?: string | undefined;
  readonly fromBeginning: boolean;
  readonly clientId: string;
  readonly ssl: boolean;
  readonly sslCaFile?: string | undefined;
  readonly sslCertFile?: string | undefined;
  readonly sslKeyFile?: string | undefined;
  readonly sslVerify: boolean;
  readonly saslMechanism?: KafkaSaslMechanism | undefined;
  readonly saslUsername?: string | undefined;
  readonly saslPassword?: string | undefined;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retries: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly reconnectRetries: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  readonly batchMaxMessages: number;
  readonly bufferMaxMessages: number;
  readonly lagIntervalMs: number;
  readonly compression: 'none' | 'gzip';
  readonly maxBodyBytes: number;
  readonly maxBatchBytes: number;
}

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'Apache Kafka: a consumer-group member (offsets committed after the egress has the messages) and an idempotent producer';

/** The topics a source consumes. */
export function sourceTopics(options: ResolvedKafkaOptions): string[] {
  return options.topics ?? (options.topic === undefined ? [] : [options.topic]);
}
