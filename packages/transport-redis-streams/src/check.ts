import {
  type CheckContext,
  CheckRun,
  checkFailed,
  checkResult,
  checkSkipped,
  type EdgeplaneError,
  isEdgeplaneError,
  type TransportCheck,
  timedOk,
  type VersionRange,
  versionCheck,
} from '@edgeplane/adapter-loop/transport';
import { checkPermissions } from './check-acl.js';
import { checkGroup, checkStream } from './check-stream.js';
import { Connections, clientOptions } from './connection.js';
import { COMPONENT, redisError } from './errors.js';
import { type ResolvedRedisStreamsOptions, tlsEnabled } from './options.js';

/** The checks, in the order doctor prints them. */
const ORDER = [
  'reachable',
  'tls',
  'credentials',
  'stream',
  'consumer-group',
  'permissions',
  'server-version',
] as const;

/** What the tests run against (docs/transports/redis-streams.md, "Server versions tested"). */
export const REDIS_TESTED: VersionRange = {
  product: 'Redis',
  from: '7.0',
  to: '7.1',
  label: '7.0.x',
  // XAUTOCLAIM and the exclusive XRANGE start came in 6.2.
  min: '6.2',
  docs: 'docs/transports/redis-streams.md',
};

function expected(o: ResolvedRedisStreamsOptions, role: CheckContext['role']): string[] {
  const names = ['reachable', 'credentials', 'stream', 'permissions', 'server-version'];
  if (tlsEnabled(o)) names.push('tls');
  if (role === 'ingress') names.push('consumer-group');
  return names;
}

/** A connection that failed: which check that fails, and whether the server answered first. */
function connectFailed(
  run: CheckRun,
  o: ResolvedRedisStreamsOptions,
  e: EdgeplaneError,
  at: number,
  server: string,
): void {
  const answered = checkResult('reachable', 'ok', `${server} answered`, { startedAt: at });
  if (e.code === 'unauthenticated' || e.code === 'permission-denied') {
    run.add(answered);
    if (tlsEnabled(o)) run.add(checkResult('tls', 'ok', 'TLS handshake completed'));
    run.add(checkFailed('credentials', e, COMPONENT));
  } else if (e.code === 'tls' || (e.code === 'invalid-config' && tlsEnabled(o))) {
    if (e.code === 'tls') run.add(answered);
    run.add(checkFailed('tls', e, COMPONENT));
  } else {
    run.add(checkFailed('reachable', e, COMPONENT, { startedAt: at }));
  }
}

/** The server's version: `HELLO` (no arguments: nothing changes), else `INFO server`. */
async function serverVersion(connections: Connections): Promise<string> {
  const cmd = connections.cmd;
  try {
    const hello = await cmd.call('HELLO');
    const fields = Array.isArray(hello) ? hello.map(String) : [];
    const version = fields[fields.indexOf('version') + 1];
    if (version) return version;
  } catch {
    // HELLO refused (an ACL): INFO below
  }
  const info = String(await cmd.call('INFO', 'server'));
  const version = /^redis_version:(\S+)/m.exec(info)?.[1];
  if (!version) throw new Error('INFO server has no redis_version');
  return version;
}

/**
 * `Transport.check()` of Redis Streams: connects like `open()` does (a connection of its own,
 * closed before this resolves), then PING, HELLO, and reads of the stream (`TYPE`, `XLEN`) and,
 * for an ingress, of its group (`XINFO GROUPS`, the lag). Permissions are asked with
 * `ACL DRYRUN`. Reads only: nothing is added, read through the group, acknowledged or created.
 */
export async function checkRedisStreams(
  o: ResolvedRedisStreamsOptions,
  context: CheckContext,
): Promise<TransportCheck[]> {
  const run = new CheckRun(context, COMPONENT);
  const connections = new Connections(o);
  const server = connections.server;
  const at = performance.now();
  try {
    const connect = async () => {
      await connections.prepare();
      await connections.connect(connections.cmd);
    };
    try {
      await run.race(connect(), `cannot connect to ${server}`);
    } catch (error) {
      const e = run.signal.aborted
        ? run.stopped(`cannot connect to ${server}`)
        : redisError(error, { action: 'connect', server, joiner: 'to' });
      connectFailed(run, o, e, at, server);
      return run.finish(ORDER, expected(o, context.role));
    }
    const pingAt = performance.now();
    await run.race(connections.cmd.ping(), `cannot PING ${server}`);
    const pingMs = Math.round((performance.now() - pingAt) * 10) / 10;
    run.add(
      timedOk(
        'reachable',
        at,
        (ms) => `${server} answered PING in ${pingMs} ms (connected in ${ms} ms)`,
      ),
    );
    if (tlsEnabled(o)) {
      const verify = o.tlsVerify === false ? 'not verified (`tlsVerify=false`)' : 'verified';
      const client = o.tlsCertFile === undefined ? '' : ', client certificate accepted';
      run.add(checkResult('tls', 'ok', `TLS on: server certificate ${verify}${client}`));
    }
    const { username, password } = clientOptions(o);
    const who = username
      ? `ACL user \`${username}\` accepted`
      : password
        ? 'password accepted (user `default`)'
        : 'none configured, and the server asks for none';
    run.add(checkResult('credentials', 'ok', who));
    let version: string | undefined;
    try {
      version = await run.race(serverVersion(connections), `cannot read the version of ${server}`);
      run.add(versionCheck(version, REDIS_TESTED));
    } catch (error) {
      if (run.signal.aborted) throw error;
      const why = redisError(error, { action: 'HELLO / INFO', server }).message;
      run.add(checkSkipped('server-version', `the version could not be read (${why})`));
    }
    const stream = await checkStream(run, connections, o, context.role);
    if (!stream.failed && context.role === 'ingress')
      await checkGroup(run, connections, o, stream.exists);
    await checkPermissions(run, connections, o, context.role, username, version);
  } catch (error) {
    // A probe cut short by the budget (or the connection lost): it fails, the rest are skipped.
    const e = isEdgeplaneError(error) ? error : redisError(error, { action: 'check', server });
    const name = ORDER.find((n) => !run.has(n) && expected(o, context.role).includes(n));
    if (name) run.add(checkFailed(name, e, COMPONENT));
  } finally {
    await run.close(() => connections.close());
  }
  return run.finish(ORDER, expected(o, context.role));
}
