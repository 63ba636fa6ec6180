import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { TestServerError } from './errors.js';
import { exec, tail } from './exec.js';
import { freePort, waitForTcp } from './net.js';
import type { TestPki } from './pki.js';

/** Options of `privatePostgres()`. */
export interface PrivatePostgresOptions {
  /** With a PKI: `ssl=on` with `pki.server`, `ssl_ca_file=pki.ca`, and only TLS connections with a client certificate (`hostssl … clientcert=verify-ca`); plaintext is rejected. */
  readonly pki?: TestPki | undefined;
  /** The login role the tests use (it owns database `edgeplane`). Default `edgeplane`. */
  readonly user?: string | undefined;
  /** Its password (SCRAM). Without one, trust authentication on 127.0.0.1. */
  readonly password?: string | undefined;
}

/** A PostgreSQL cluster of its own (initdb in a temp dir, run as the `postgres` OS user). */
export interface PrivatePostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `postgres://<user>@127.0.0.1:<port>/edgeplane` (no password in it). */
  readonly url: string;
  readonly user: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the data stays. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast` (connections are ended with 57P01), then `start()` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and removes its directory. Idempotent. */
  dispose(): Promise<void>;
  /**
   * Runs SQL as the superuser `postgres` (psql over the cluster's own Unix socket, database
   * `edgeplane`): roles and grants of a test's own. Resolves with psql's output.
   */
  psql(sql: string): Promise<string>;
}

/** The newest installed server's bin directory (`/usr/lib/postgresql/<major>/bin`). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0)
    throw new TestServerError(
      'postgres',
      'no PostgreSQL server binaries under /usr/lib/postgresql',
      'apt-get install postgresql',
    );
  return join(root, majors[0] as string, 'bin');
}

/** Runs a server binary as the `postgres` OS user (the binaries refuse root). */
async function asPostgres(
  bin: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<string> {
  const run = await exec('runuser', ['-u', 'postgres', '--', bin, ...args], { timeoutMs });
  if (run.code !== 0)
    throw new TestServerError(
      'postgres',
      `${bin} ${args.join(' ')} failed (exit ${run.code}):\n${tail(run.stdout + run.stderr)}`,
      'run as root on a machine with the postgresql package and a `postgres` OS user',
    );
  return run.stdout;
}

/**
 * Starts a private PostgreSQL cluster on a free loopback port: `initdb` in a temp dir owned by
 * the `postgres` OS user, `listen_addresses=127.0.0.1`, a login role with a password and a
 * database it owns. With `pki`, TLS is on and required with a client certificate.
 * Needs root (to run the binaries as `postgres` through `runuser`) and the server package.
 */
export async function privatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = options.user ?? 'edgeplane';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ep-pg-'));
  const data = join(dir, 'data');
  const uid = Number((await exec('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
  if (!Number.isInteger(uid))
    throw new TestServerError('postgres', 'no `postgres` OS user', 'apt-get install postgresql');
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  await asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const conf: string[] = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dir}'`,
    'max_connections = 40',
    'shared_buffers = 16MB',
    'fsync = off',
    'synchronous_commit = off',
    "password_encryption = 'scram-sha-256'",
  ];
  const auth = options.password ? 'scram-sha-256' : 'trust';
  const hba = ['local all all trust'];
  if (options.pki) {
    for (const [from, to] of [
      [options.pki.server.cert, 'server.crt'],
      [options.pki.server.key, 'server.key'],
      [options.pki.ca, 'ca.crt'],
    ] as const) {
      copyFileSync(from, join(data, to));
      chownSync(join(data, to), uid, gid);
      chmodSync(join(data, to), 0o600);
    }
    conf.push(
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_ca_file = 'ca.crt'",
    );
    hba.push(
      `hostssl all all 127.0.0.1/32 ${auth} clientcert=verify-ca`,
      'host all all 127.0.0.1/32 reject',
    );
  } else hba.push(`host all all 127.0.0.1/32 ${auth}`);
  writeFileSync(
    join(data, 'postgresql.conf'),
    `${readFileSync(join(data, 'postgresql.conf'), 'utf8')}\n${conf.join('\n')}\n`,
  );
  writeFileSync(join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
  const log = join(dir, 'server.log');
  const pgCtl = (...args: string[]) =>
    asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '30', ...args]);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await pgCtl('stop', '-m', 'immediate').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  const psql = (sql: string, database = 'postgres') =>
    asPostgres(join(bin, 'psql'), [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      sql,
    ]);
  try {
    await pgCtl('start');
    await waitForTcp('127.0.0.1', port, 20_000);
    const password = options.password ? ` PASSWORD '${options.password.replace(/'/g, "''")}'` : '';
    await psql(`CREATE ROLE "${user}" LOGIN${password}`);
    await psql(`CREATE DATABASE edgeplane OWNER "${user}"`);
  } catch (error) {
    const text = existsSync(log) ? tail(readFileSync(log, 'utf8')) : '';
    await dispose();
    throw new TestServerError(
      'postgres',
      `the private PostgreSQL did not start: ${String(error)}\n${text}`,
      'see the server log above',
    );
  }
  return {
    host: '127.0.0.1',
    port,
    url: `postgres://${user}@127.0.0.1:${port}/edgeplane`,
    user,
    stop: async () => {
      await pgCtl('stop', '-m', 'fast');
    },
    start: async () => {
      await pgCtl('start');
      await waitForTcp('127.0.0.1', port, 20_000);
    },
    restart: async () => {
      await pgCtl('restart', '-m', 'fast');
      await waitForTcp('127.0.0.1', port, 20_000);
    },
    dispose,
    psql: (sql: string) => psql(sql, 'edgeplane'),
  };
}

/** A TLS front that speaks PostgreSQL's SSLRequest (see `postgresTlsFront`). */
export interface PostgresTlsFront {
  readonly host: '127.0.0.1';
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A loopback endpoint that answers PostgreSQL's SSLRequest with `S`, terminates TLS with the given
 * certificate (PEM files) and pipes the rest to `target` in plaintext: a PostgreSQL server that
 * presents a certificate the real one is not configured with (expired, wrong host). A plain
 * `tlsProxy` cannot: PostgreSQL negotiates TLS inside its own protocol.
 */
export async function postgresTlsFront(options: {
  readonly target: { readonly host: string; readonly port: number };
  readonly cert: string;
  readonly key: string;
}): Promise<PostgresTlsFront> {
  const cert = readFileSync(options.cert);
  const key = readFileSync(options.key);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      const isSslRequest = first.length >= 8 && first.readInt32BE(4) === 80877103;
      if (!isSslRequest) {
        client.destroy();
        return;
      }
      client.write('S');
      const secure = new TLSSocket(client, { isServer: true, cert, key });
      const upstream = netConnect(options.target.port, options.target.host);
      sockets.add(upstream);
      const drop = () => {
        secure.destroy();
        upstream.destroy();
      };
      secure.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      secure.pipe(upstream).pipe(secure);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
