import { isIP } from 'node:net';
import {
  INPUT_LIMITS,
  type LoadedTls,
  loadTls,
  readInputFile,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import { COMPONENT } from './errors.js';
import { type ResolvedKafkaOptions, tlsSettings } from './options.js';

/** How this transport turns TLS on (the hint of "plaintext spoken to a TLS port"). */
export const ENABLE_TLS_HINT =
  'set `tls=true` for this adapter (Kafka broker addresses have no URL scheme: the option turns TLS on), and give `tlsCaFile` for a private CA';

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

/**
 * Reads and checks the TLS files (`loadTls`, at every client built: a rotated certificate is
 * picked up by the next one). Undefined when TLS is off.
 * @throws EdgeplaneError `tls` / `invalid-config` naming the option (see `loadTls`).
 */
export function loadKafkaTls(o: ResolvedKafkaOptions): Promise<LoadedTls | undefined> {
  return loadTls(tlsSettings(o), { component: COMPONENT, enableHint: ENABLE_TLS_HINT });
}

const MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
} as const;

/** The bearer token of `saslOauthBearerTokenFile`, read again at every authentication. */
export async function readTokenFile(file: string): Promise<string> {
  const bytes = await readInputFile(file, {
    what: 'option "saslOauthBearerTokenFile" file',
    maxBytes: Math.min(INPUT_LIMITS.credential, 64 * 1024),
    component: COMPONENT,
    from: 'option "saslOauthBearerTokenFile"',
  });
  return bytes.toString('utf8').trim();
}

/** The SASL settings. */
export function saslOptions(o: ResolvedKafkaOptions): SASLOptions | undefined {
  if (o.saslMechanism === 'oauthbearer') {
    const file = o.saslOauthBearerTokenFile;
    const token = file === undefined ? o.saslOauthBearerToken : () => readTokenFile(file);
    return token === undefined ? undefined : { mechanism: 'OAUTHBEARER', token };
  }
  if (!o.saslMechanism || !o.saslUsername || !o.saslPassword) return undefined;
  return {
    mechanism: MECHANISMS[o.saslMechanism],
    username: o.saslUsername,
    password: o.saslPassword,
  };
}

/**
 * The client options every role shares. TLS: the CA, client certificate and verify switch of
 * this adapter only (`tlsConnectOptions`); the SNI name is `tlsServerName`, else each broker's
 * host when every bootstrap broker is a name (the client sends one setting to all brokers), never
 * an IP address. `retries` is the per-operation attempt count (a consumer passes
 * `reconnectRetries` when that is higher).
 */
export async function clientOptions(
  o: ResolvedKafkaOptions,
  retries: number = o.retries,
): Promise<ClientOptions> {
  const loaded = await loadKafkaTls(o);
  const sasl = saslOptions(o);
  const names = o.brokers.every((b) => isIP(b.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')) === 0);
  const serverName = loaded?.servername ?? (names ? true : undefined);
  return {
    clientId: o.clientId,
    bootstrapBrokers: [...o.brokers],
    connectTimeout: o.connectionTimeoutMs,
    timeout: o.requestTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    retries,
    retryDelay: retryDelay(o),
    ...(loaded
      ? {
          tls: tlsConnectOptions(loaded, ''),
          ...(serverName !== undefined ? { tlsServerName: serverName } : {}),
        }
      : {}),
    ...(sasl ? { sasl } : {}),
  };
}
