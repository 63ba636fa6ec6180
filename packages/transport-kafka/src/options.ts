import type { TlsOptions } from '@edgeplane/adapter-loop/transport';

/** SASL mechanisms the transport offers (@platformatic/kafka's PLAIN, SCRAM-SHA-256/512, OAUTHBEARER). */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';

/** The deprecated `ssl*` names of the TLS options (kept for one release; see `tlsSettings`). */
export interface DeprecatedSslOptions {
  /** @deprecated use `tls`. */
  readonly ssl?: boolean | undefined;
  /** @deprecated use `tlsCaFile` (an `sslCaFile` alone turns TLS on, as it did). */
  readonly sslCaFile?: string | undefined;
  /** @deprecated use `tlsCertFile` (an `sslCertFile` alone turns TLS on, as it did). */
  readonly sslCertFile?: string | undefined;
  /** @deprecated use `tlsKeyFile`. */
  readonly sslKeyFile?: string | undefined;
  /** @deprecated use `tlsVerify`. */
  readonly sslVerify?: boolean | undefined;
}

/** Options of the Kafka transport, as library users pass them (the adapter config may use strings). */
export interface KafkaTransportOptions extends TlsOptions, DeprecatedSslOptions {
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
  readonly saslMechanism?: KafkaSaslMechanism | undefined;
  readonly saslUsername?: string | undefined;
  /** Secret. */
  readonly saslPassword?: string | undefined;
  /** SASL/OAUTHBEARER bearer token. Secret. */
  readonly saslOauthBearerToken?: string | undefined;
  /** SASL/OAUTHBEARER: a file holding the token, read at every broker connection. */
  readonly saslOauthBearerTokenFile?: string | undefined;
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
export interface ResolvedKafkaOptions extends TlsOptions, DeprecatedSslOptions {
  readonly brokers: string[];
  readonly topic?: string | undefined;
  readonly topics?: string[] | undefined;
  readonly groupId?: string | undefined;
  readonly fromBeginning: boolean;
  readonly clientId: string;
  readonly saslMechanism?: KafkaSaslMechanism | undefined;
  readonly saslUsername?: string | undefined;
  readonly saslPassword?: string | undefined;
  readonly saslOauthBearerToken?: string | undefined;
  readonly saslOauthBearerTokenFile?: string | undefined;
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

/**
 * The TLS options with the deprecated `ssl*` names mapped onto the `tls*` ones (the schema
 * refuses setting both). As before, `sslCaFile` or `sslCertFile` alone turns TLS on; the new
 * `tlsCaFile` does not (it is refused while TLS is off, see `loadTls`).
 */
export function tlsSettings(o: ResolvedKafkaOptions): TlsOptions {
  const legacyOn = (o.sslCaFile ?? o.sslCertFile) !== undefined;
  return {
    tls: o.tls ?? (legacyOn ? true : o.ssl),
    tlsCaFile: o.tlsCaFile ?? o.sslCaFile,
    tlsCertFile: o.tlsCertFile ?? o.sslCertFile,
    tlsKeyFile: o.tlsKeyFile ?? o.sslKeyFile,
    tlsKeyPassphrase: o.tlsKeyPassphrase,
    tlsServerName: o.tlsServerName,
    tlsVerify: o.tlsVerify ?? o.sslVerify,
  };
}
