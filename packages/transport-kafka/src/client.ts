import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import { roleConfigError } from './errors.js';
import type { ResolvedKafkaOptions } from './options.js';

/** One client event, as handed to `KafkaTransportHooks.log` (credentials scrubbed). */
export interface KafkaLogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly namespace: string;
  readonly message: string;
}

/** What every @platformatic/kafka client of the transport is built with. */
export type ClientOptions = BaseOptions & {
  readonly requestTimeout: number;
};

/**
 * The client's retry delay: `retryInitialMs`, doubling per attempt, at most `retryMaxMs`. The
 * client retries retryable failures (network, leader moves, coordinator moves) `retries` times.
 */
export function retryDelay(o: ResolvedKafkaOptions): (...args: unknown[]) => number {
  return (_client, _operation, attempt) =>
    Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** Math.max(0, Number(attempt) - 1));
}

async function readOption(path: string, option: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw roleConfigError(
      option,
      `cannot read \`${option}\` ${path}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`,
    );
  }
}

/** The TLS settings (Node's `tls.connect` options), reading the PEM files the options name. */
export async function tlsOptions(o: ResolvedKafkaOptions): Promise<ConnectionOptions | undefined> {
  if (!o.ssl && !o.sslCaFile && !o.sslCertFile) return undefined;
  const tls: ConnectionOptions = { rejectUnauthorized: o.sslVerify };
  if (o.sslCaFile) tls.ca = [await readOption(o.sslCaFile, 'sslCaFile')];
  if (o.sslCertFile) tls.cert = await readOption(o.sslCertFile, 'sslCertFile');
  if (o.sslKeyFile) tls.key = await readOption(o.sslKeyFile, 'sslKeyFile');
  return tls;
}

/** The SASL settings. */
export function saslOptions(o: ResolvedKafkaOptions): SASLOptions | undefined {
  if (!o.saslMechanism || !o.saslUsername || !o.saslPassword) return undefined;
  const mechanism = (
    { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const
  )[o.saslMechanism];
  return { mechanism, username: o.saslUsername, password: o.saslPassword };
}

/**
 * The client options every role shares. TLS sends the broker's host name as SNI (as kafkajs did),
 * except for IP addresses. `retries` is the per-operation attempt count (a consumer passes
 * `reconnectRetries` when that is higher).
 */
export async function clientOptions(
  o: ResolvedKafkaOptions,
  retries: number = o.retries,
): Promise<ClientOptions> {
  const tls = await tlsOptions(o);
  const sasl = saslOptions(o);
  const sni =
    tls !== undefined &&
    !o.brokers.every((b) => isIP(b.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')));
  return {
    clientId: o.clientId,
    bootstrapBrokers: [...o.brokers],
    connectTimeout: o.connectionTimeoutMs,
    timeout: o.requestTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    retries,
    retryDelay: retryDelay(o),
    ...(tls ? { tls, ...(sni ? { tlsServerName: true } : {}) } : {}),
    ...(sasl ? { sasl } : {}),
  };
}
