import {
  type CheckContext,
  CheckRun,
  checkFailed,
  checkResult,
  type EdgeplaneError,
  isEdgeplaneError,
  type TransportCheck,
  timedOk,
  type VersionRange,
  versionCheck,
} from '@edgeplane/adapter-loop/transport';
import { checkTable } from './check-table.js';
import { Connections, type Sql, target } from './connection.js';
import { COMPONENT, postgresError } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';

/** The checks, in the order doctor prints them. */
const ORDER = [
  'reachable',
  'tls',
  'credentials',
  'database',
  'table',
  'columns',
  'privileges',
  'server-version',
] as const;

/** What the tests run against (docs/transports/postgres.md, "Server versions tested"). */
export const POSTGRES_TESTED: VersionRange = {
  product: 'PostgreSQL',
  from: '15',
  to: '16',
  label: '15.x',
  // FOR UPDATE SKIP LOCKED (mode=shared) and ON CONFLICT DO NOTHING (dedupe) came in 9.5.
  min: '9.5',
  docs: 'docs/transports/postgres.md',
};

function expected(o: ResolvedPostgresOptions): string[] {
  const names = ['reachable', 'credentials', 'table', 'columns', 'privileges', 'server-version'];
  if (o.tls === true) names.push('tls');
  return names;
}

/** A first query that failed: which check it fails, and what passed before it. */
function connectFailed(run: CheckRun, o: ResolvedPostgresOptions, e: EdgeplaneError, at: number) {
  const server = `${target(o).host}:${target(o).port}`;
  const answered = checkResult('reachable', 'ok', `${server} answered`, { startedAt: at });
  const tlsOk = () => {
    if (o.tls === true) run.add(checkResult('tls', 'ok', 'TLS handshake completed'));
  };
  if (e.code === 'unauthenticated') {
    run.add(answered);
    tlsOk();
    run.add(checkFailed('credentials', e, COMPONENT));
  } else if (e.details?.sqlstate === '3D000') {
    // The server authenticates before it looks for the database.
    run.add(answered);
    tlsOk();
    run.add(checkResult('credentials', 'ok', `role \`${target(o).username}\` accepted`));
    run.add(checkFailed('database', e, COMPONENT));
  } else if (e.code === 'tls' || (e.code === 'invalid-config' && o.tls === true)) {
    if (e.code === 'tls') run.add(answered);
    run.add(checkFailed('tls', e, COMPONENT));
  } else {
    run.add(checkFailed('reachable', e, COMPONENT, { startedAt: at }));
  }
}

interface Session {
  readonly user: string;
  readonly version: string;
  readonly ssl: boolean;
  readonly tlsVersion: string | null;
  readonly cipher: string | null;
}

const SESSION = `SELECT current_user AS "user", current_setting('server_version') AS version,
  s.ssl, s.version AS "tlsVersion", s.cipher
  FROM (SELECT 1) one LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()`;

/**
 * `Transport.check()` of PostgreSQL: connects like `open()` does (one connection of its own,
 * closed before this resolves), then reads the catalog: the table, its columns and indexes, the
 * role's privileges (`has_table_privilege`, ...), the server version. Reads only: no row is
 * written, locked, updated or deleted, and `createTable` creates nothing here.
 */
export async function checkPostgres(
  o: ResolvedPostgresOptions,
  context: CheckContext,
): Promise<TransportCheck[]> {
  const run = new CheckRun(context, COMPONENT);
  const connections = new Connections(o);
  const server = connections.server;
  const at = performance.now();
  let sql: Sql | undefined;
  try {
    let session: Session;
    try {
      await run.race(connections.prepare(), `cannot connect on ${server}`);
      const client = connections.dedicated(() => {});
      sql = client;
      const rows = await run.race(client.unsafe(SESSION), `cannot connect on ${server}`);
      session = rows[0] as unknown as Session;
    } catch (error) {
      const e = run.signal.aborted
        ? run.stopped(`cannot connect on ${server}`)
        : postgresError(error, connections.context('connect'));
      connectFailed(run, o, e, at);
      return run.finish(ORDER, expected(o));
    }
    run.add(timedOk('reachable', at, (ms) => `${server} connected and answered in ${ms} ms`));
    if (o.tls === true) {
      const verify = o.tlsVerify === false ? 'not verified (`tlsVerify=false`)' : 'verified';
      const client = o.tlsCertFile === undefined ? '' : ', client certificate accepted';
      const how = session.ssl ? `${session.tlsVersion} (${session.cipher})` : 'on';
      run.add(checkResult('tls', 'ok', `TLS ${how}: server certificate ${verify}${client}`));
    }
    const how =
      target(o).password === undefined
        ? ' without a password (the server trusts this host)'
        : ' with its password';
    run.add(checkResult('credentials', 'ok', `role \`${session.user}\` authenticated${how}`));
    run.add(versionCheck(session.version.split(' ')[0] ?? session.version, POSTGRES_TESTED));
    await checkTable(run, sql, o, context.role, server, session.user);
  } catch (error) {
    // A probe cut short by the budget (or the connection lost): it fails, the rest are skipped.
    const e = isEdgeplaneError(error) ? error : postgresError(error, connections.context('check'));
    const name = ORDER.find((n) => !run.has(n) && expected(o).includes(n));
    if (name) run.add(checkFailed(name, e, COMPONENT));
  } finally {
    await run.close(() => connections.close());
  }
  return run.finish(ORDER, expected(o));
}
