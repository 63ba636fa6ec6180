import { readFile } from 'node:fs/promises';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { ISocketFactory, Kafka, KafkaConfig, LogEntry, RetryOptions } from 'kafkajs';
import { kafkaError, roleConfigError } from './errors.js';
import { kafkajs } from './kafkajs.js';
import type { ResolvedKafkaOptions } from './options.js';

const { logLevel } = kafkajs;

/** One kafkajs log entry, as handed to `KafkaTransportHooks.log` (credentials scrubbed). */
export interface KafkaLogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly namespace: string;
  readonly message: string;
}

const LEVELS: Record<number, KafkaLogEntry['level']> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Every socket this transport's kafkajs clients open, so `close()` can end those kafkajs leaves
 * behind: after a broker restart, its consumer keeps the group coordinator's connection on a
 * broker object that `disconnect()` no longer knows, and that socket (with the request-timeout
 * timer of its queue) would hold the process open until the broker drops idle connections.
 */
export class Sockets {
  private readonly open = new Set<Socket>();

  /** kafkajs's own factory (TLS with SNI, TCP keep-alive), plus tracking. */
  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket: Socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : tcpConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /** Sockets still open. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Destroys what is still open and tells kafkajs the peer ended it (its `end` handler marks
   * the connection closed and stops the queue's timer).
   */
  destroyAll(): void {
    for (const socket of this.open) {
      socket.destroy();
      socket.emit('end');
    }
    this.open.clear();
  }
}

/**
 * kafkajs's retry policy, spelled out in full: kafkajs fills missing fields from a table that
 * differs under `NODE_ENV=test`, and the transport must behave the same in tests and production.
 */
export function retryPolicy(o: ResolvedKafkaOptions, retries: number = o.retries): RetryOptions {
  return {
    retries,
    initialRetryTime: o.retryInitialMs,
    maxRetryTime: o.retryMaxMs,
    factor: 0.2,
    multiplier: 2,
  };
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

/** The TLS settings, reading the PEM files the options name. */
async function tlsOptions(o: ResolvedKafkaOptions): Promise<ConnectionOptions | boolean> {
  const files = o.sslCaFile || o.sslCertFile;
  if (!o.ssl && !files) return false;
  if (!files && o.sslVerify) return true;
  const tls: ConnectionOptions = { rejectUnauthorized: o.sslVerify };
  if (o.sslCaFile) tls.ca = [await readOption(o.sslCaFile, 'sslCaFile')];
  if (o.sslCertFile) tls.cert = await readOption(o.sslCertFile, 'sslCertFile');
  if (o.sslKeyFile) tls.key = await readOption(o.sslKeyFile, 'sslKeyFile');
  return tls;
}

/** The kafkajs SASL settings. */
function saslOptions(o: ResolvedKafkaOptions): KafkaConfig['sasl'] {
  if (!o.saslMechanism || !o.saslUsername || !o.saslPassword) return undefined;
  const credentials = { username: o.saslUsername, password: o.saslPassword };
  if (o.saslMechanism === 'plain') return { mechanism: 'plain', ...credentials };
  if (o.saslMechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', ...credentials };
  return { mechanism: 'scram-sha-512', ...credentials };
}

/**
 * The full kafkajs client configuration. Logging never reaches the console: every entry goes to
 * `onLog` (the connection-state tracker and the optional debug hook), with secrets scrubbed there.
 */
export async function kafkaConfig(
  o: ResolvedKafkaOptions,
  onLog: (entry: LogEntry) => void,
  retry: RetryOptions = retryPolicy(o),
  socketFactory?: ISocketFactory,
): Promise<KafkaConfig> {
  return {
    socketFactory,
    clientId: o.clientId,
    brokers: [...o.brokers],
    ssl: await tlsOptions(o),
    sasl: saslOptions(o),
    connectionTimeout: o.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry,
    logLevel: logLevel.WARN,
    logCreator: () => onLog,
  };
}

/**
 * Creates a kafkajs client; a configuration kafkajs rejects is `invalid-config`. The `consumer`
 * client gets `reconnectRetries` attempts per operation instead of `retries`, so a running
 * consumer rides out a broker restart as the same group member (no rebalance, no redelivery).
 */
export async function createClient(
  o: ResolvedKafkaOptions,
  onLog: (entry: LogEntry) => void,
  kind: 'default' | 'consumer',
  sockets: Sockets,
): Promise<Kafka> {
  const retries = kind === 'consumer' ? Math.max(o.retries, o.reconnectRetries) : o.retries;
  const config = await kafkaConfig(o, onLog, retryPolicy(o, retries), sockets.factory);
  try {
    return new kafkajs.Kafka(config);
  } catch (error) {
    const e = kafkaError(error, 'create the Kafka client');
    throw roleConfigError('brokers', e.detail);
  }
}

/** Maps a kafkajs log entry to the hook's shape. */
export function toLogEntry(entry: LogEntry, scrubText: (s: string) => string): KafkaLogEntry {
  return {
    level: LEVELS[entry.level] ?? 'debug',
    namespace: entry.namespace,
    message: scrubText(String(entry.log.message)),
  };
}
