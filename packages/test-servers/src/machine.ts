import { TestServerError } from './errors.js';
import { sh, tail } from './exec.js';
import { natsInfo, postgresPing, redisPing } from './pings.js';
import type { Provenance, ServerFactory, TestServer } from './types.js';

/** A service the machine runs (started before each session and for CI), reused as is. */
export interface MachineTestServer extends TestServer {
  readonly host: string;
  readonly port: number;
  readonly provenance: Provenance;
  /** What the protocol ping returned (Redis reply, NATS INFO `version`, Postgres SSL answer). */
  readonly ping: string;
}

interface ServiceSpec {
  readonly name: string;
  readonly env: string;
  readonly defaultUrl: string;
  readonly defaultPort: number;
  /** The machine's own start command (java-maven-svc machine notes). */
  readonly start: string;
  readonly ping: (host: string, port: number) => Promise<string>;
}

/** Names of the machine services this package knows. */
export type MachineService = 'nats' | 'redis' | 'postgres';

const SERVICES: Readonly<Record<MachineService, ServiceSpec>> = {
  nats: {
    name: 'nats',
    env: 'EDGEPLANE_NATS_URL',
    defaultUrl: 'nats://127.0.0.1:4222',
    defaultPort: 4222,
    start:
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- ' +
      '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
    ping: async (host, port) => {
      const info = await natsInfo(host, port);
      if (info.jetstream !== true) throw new Error('the server runs without JetStream (-js)');
      return `nats-server ${String(info.version)} (jetstream)`;
    },
  },
  redis: {
    name: 'redis',
    env: 'EDGEPLANE_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    defaultPort: 6379,
    start:
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no ' +
      '--dir /var/lib/redis --logfile /var/log/redis/ci.log',
    ping: redisPing,
  },
  postgres: {
    name: 'postgres',
    env: 'EDGEPLANE_POSTGRES_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    defaultPort: 5432,
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    ping: async (host, port) => `SSLRequest answered ${await postgresPing(host, port)}`,
  },
};

async function pingUrl(
  spec: ServiceSpec,
  url: string,
): Promise<MachineTestServer & { url: string }> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(parsed.port || spec.defaultPort);
  const ping = await spec.ping(host, port);
  return { url, host, port, ping, provenance: 'reused', stop: async () => {} };
}

/**
 * Provides one of the machine's services: `$EDGEPLANE_<NAME>_URL` if set; else the machine's
 * server on its standard loopback port, started with the machine's own command if it does not
 * answer. Checks it with a protocol ping. `stop()` does nothing: the server is the machine's.
 */
export async function ensureMachineService(name: MachineService): Promise<MachineTestServer> {
  const spec: ServiceSpec = SERVICES[name];
  const env = process.env[spec.env]?.trim();
  if (env) {
    try {
      return { ...(await pingUrl(spec, env)), provenance: 'env' };
    } catch (error) {
      throw new TestServerError(
        name,
        `${spec.env}=${env} does not answer: ${(error as Error).message}`,
        `start that server, or unset ${spec.env} to use the machine's ${name} on ${spec.defaultPort}`,
        { cause: error },
      );
    }
  }
  try {
    return await pingUrl(spec, spec.defaultUrl);
  } catch {
    // not answering: try the machine's start command once
  }
  const started = await sh(spec.start, 60_000).catch((error: Error) => ({
    code: -1,
    stdout: '',
    stderr: error.message,
  }));
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return { ...(await pingUrl(spec, spec.defaultUrl)), provenance: 'started' };
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new TestServerError(
    name,
    `nothing answers ${spec.defaultUrl} (${(lastError as Error | undefined)?.message}), and ` +
      `\`${spec.start}\` did not fix it (exit ${started.code}):\n${tail(`${started.stdout}\n${started.stderr}`, 10)}`,
    `start ${name} on 127.0.0.1:${spec.defaultPort} (as root, the command above), or set ${spec.env}`,
    { cause: lastError },
  );
}

/** NATS with JetStream (127.0.0.1:4222, `EDGEPLANE_NATS_URL`). */
export function natsServer(): ServerFactory<MachineTestServer> {
  return () => ensureMachineService('nats');
}

/** Redis (127.0.0.1:6379, `EDGEPLANE_REDIS_URL`). */
export function redisServer(): ServerFactory<MachineTestServer> {
  return () => ensureMachineService('redis');
}

/** PostgreSQL, database `test` (127.0.0.1:5432, `EDGEPLANE_POSTGRES_URL`). */
export function postgresServer(): ServerFactory<MachineTestServer> {
  return () => ensureMachineService('postgres');
}
