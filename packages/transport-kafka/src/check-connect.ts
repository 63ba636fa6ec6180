import type { CheckBudget } from '@edgeplane/adapter-loop/transport';
import { checkFailed, checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  Admin,
  apiVersionsV3,
  type Broker,
  type Connection,
  ConnectionPool,
} from '@platformatic/kafka';
import { clientOptions } from './client.js';
import { COMPONENT, kafkaError } from './errors.js';
import type { ResolvedKafkaOptions } from './options.js';
import { plaintextToTlsPort } from './plaintext.js';

/** `host:port` (or `[v6]:port`) → the client's broker shape. */
function broker(address: string): Broker {
  const at = address.lastIndexOf(':');
  return {
    host: address.slice(0, at).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(at + 1)),
  };
}

/** A pool's connections never crash the process with an unheard `error` event (see transport.ts). */
function quiet(pool: ConnectionPool): void {
  pool.on('connecting', ({ connection }) => connection.on('error', () => {}));
}

/**
 * The clients of one `check()`: a pool without credentials (ApiVersions is answered before SASL)
 * and an admin client with every option, their timeouts capped to the budget.
 * @throws EdgeplaneError `tls` / `invalid-config` for a TLS file that cannot be used.
 */
export class CheckClients {
  private constructor(
    readonly anonymous: ConnectionPool,
    readonly admin: Admin,
    readonly bootstrap: Broker[],
  ) {}

  static async create(o: ResolvedKafkaOptions, budget: CheckBudget): Promise<CheckClients> {
    const options = await clientOptions(o, 0);
    const cap = (ms: number) => Math.max(100, Math.min(ms, budget.leftMs));
    const capped = {
      ...options,
      connectTimeout: cap(o.connectionTimeoutMs),
      timeout: cap(o.requestTimeoutMs),
      requestTimeout: cap(o.requestTimeoutMs),
    };
    const { sasl: _sasl, ...anonymous } = capped;
    const clients = new CheckClients(
      new ConnectionPool(o.clientId, anonymous),
      new Admin(capped),
      o.brokers.map(broker),
    );
    quiet(clients.anonymous);
    quiet(clients.admin.connections);
    return clients;
  }

  /** Closes both (bounded by the budget); never rejects. */
  close(budget: CheckBudget): Promise<void> {
    return budget.settle(Promise.allSettled([this.anonymous.close(), this.admin.close()]));
  }
}

/**
 * `reachable`: the first bootstrap broker that takes a TCP (TLS) connection and answers
 * ApiVersions, and how long that took. A failure over plaintext to a TLS port says to set `tls`.
 */
export async function reachableCheck(
  clients: CheckClients,
  o: ResolvedKafkaOptions,
  budget: CheckBudget,
  secrets: readonly string[],
): Promise<{ check: TransportCheck; versions?: apiVersionsV3.ApiVersionsResponse }> {
  const startedAt = performance.now();
  try {
    const c = await budget.run(
      clients.anonymous.getFirstAvailable(clients.bootstrap),
      'connect to the brokers',
    );
    const versions = await budget.run(
      apiVersionsV3.api.async(c, 'edgeplane', '1'),
      `ask ${c.host}:${c.port} for its API versions`,
    );
    const ms = (performance.now() - startedAt).toFixed(1);
    const detail = `${c.host}:${c.port} answered ApiVersions in ${ms} ms`;
    return { check: checkResult('reachable', 'ok', detail, { startedAt }), versions };
  } catch (error) {
    const mapped = kafkaError(error, 'connect to the brokers', secrets);
    const explained = await budget
      .run(plaintextToTlsPort(o, mapped), 'probe for TLS')
      .catch(() => mapped);
    return { check: checkFailed('reachable', explained, COMPONENT, { startedAt }) };
  }
}

/** `credentials`: a connection of the admin client, authenticated with the SASL options if any. */
export async function credentialsCheck(
  clients: CheckClients,
  o: ResolvedKafkaOptions,
  budget: CheckBudget,
  secrets: readonly string[],
): Promise<{ check: TransportCheck; connection?: Connection }> {
  const startedAt = performance.now();
  try {
    const connection = await budget.run(
      clients.admin.connections.getFirstAvailable(clients.bootstrap),
      'connect with the credentials',
    );
    const where = `${connection.host}:${connection.port}`;
    const detail =
      o.saslMechanism === undefined
        ? `${where} took the connection without credentials (no SASL configured: \`saslMechanism\` unset)`
        : `${where} accepted SASL ${o.saslMechanism.toUpperCase()}${o.saslUsername ? ` as "${o.saslUsername}"` : ''}`;
    return { check: checkResult('credentials', 'ok', detail, { startedAt }), connection };
  } catch (error) {
    const mapped = kafkaError(error, 'connect with the credentials', secrets);
    return { check: checkFailed('credentials', mapped, COMPONENT, { startedAt }) };
  }
}
