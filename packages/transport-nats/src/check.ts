import {
  type CheckContext,
  CheckRun,
  checkFailed,
  checkResult,
  type EdgeplaneError,
  type TransportCheck,
  timedOk,
  type VersionRange,
  versionCheck,
} from '@edgeplane/adapter-loop/transport';
import { checkJetStream } from './check-jetstream.js';
import { Connection } from './connection.js';
import { COMPONENT, natsError, scrubUrls, serversText } from './errors.js';
import type { ResolvedNatsOptions } from './options.js';
import { tlsEnabled } from './tls-enabled.js';

/** The checks, in the order doctor prints them. */
const ORDER = [
  'reachable',
  'tls',
  'credentials',
  'jetstream',
  'stream',
  'subject',
  'consumer',
  'server-version',
] as const;

/** What the tests run against (docs/transports/nats.md, "Server versions tested"). */
export const NATS_TESTED: VersionRange = {
  product: 'nats-server',
  from: '2.9',
  to: '2.10',
  label: '2.9.x',
  // JetStream (and its API this transport uses) came in 2.2.
  min: '2.2',
  docs: 'docs/transports/nats.md',
};

function expected(o: ResolvedNatsOptions, role: CheckContext['role']): string[] {
  const names = ['reachable', 'credentials', 'server-version'];
  if (tlsEnabled(o)) names.push('tls');
  if (o.mode === 'jetstream') names.push('jetstream', 'stream', 'subject');
  if (o.mode === 'jetstream' && role === 'ingress') names.push('consumer');
  return names;
}

/** What authenticates this connection, for the `credentials` detail (never the secret). */
function credentialsText(o: ResolvedNatsOptions): string | undefined {
  if (o.credsFile !== undefined) return `credentials file ${o.credsFile}`;
  if (o.nkeySeedFile !== undefined) return `nkey seed file ${o.nkeySeedFile}`;
  if (o.user !== undefined) return `user \`${o.user}\``;
  if (o.token !== undefined) return 'token';
  return undefined;
}

/** A first connection that failed: which check it fails, and what the server said before. */
function connectFailed(run: CheckRun, o: ResolvedNatsOptions, e: EdgeplaneError, at: number): void {
  const servers = serversText(o.servers);
  const answered = checkResult('reachable', 'ok', `${servers} answered`, { startedAt: at });
  const option = String(e.details?.option ?? '');
  if (e.code === 'unauthenticated' || e.code === 'permission-denied') {
    run.add(answered);
    if (tlsEnabled(o)) run.add(checkResult('tls', 'ok', 'TLS handshake completed'));
    run.add(checkFailed('credentials', e, COMPONENT));
  } else if (e.code === 'invalid-config' && /^(credsFile|nkeySeedFile)$/.test(option)) {
    run.add(checkFailed('credentials', e, COMPONENT));
  } else if (e.code === 'tls' || (e.code === 'invalid-config' && option.startsWith('tls'))) {
    // A certificate problem is found on a TCP connection that was made: the server is there.
    if (e.code === 'tls') run.add(answered);
    run.add(checkFailed('tls', e, COMPONENT));
  } else {
    run.add(checkFailed('reachable', e, COMPONENT, { startedAt: at }));
  }
}

/**
 * `Transport.check()` of NATS: connects like `open()` does (its own connection, closed before
 * this resolves), then reads the server's INFO, the JetStream account, the stream and, for an
 * ingress, the durable consumer. Reads only: nothing is published, pulled, acknowledged or
 * created (a stream or consumer `createStream` / `createConsumer` would create is a `warn`).
 */
export async function checkNats(
  o: ResolvedNatsOptions,
  context: CheckContext,
): Promise<TransportCheck[]> {
  const run = new CheckRun(context, COMPONENT);
  const at = performance.now();
  const servers = serversText(o.servers);
  let c: Connection | undefined;
  try {
    c = await run.race(Connection.open(o, undefined, run.signal), `cannot connect to ${servers}`);
  } catch (error) {
    const e = run.signal.aborted
      ? run.stopped(`cannot connect to ${servers}`)
      : natsError(error, `cannot connect to ${servers}`, 'unavailable', servers);
    connectFailed(run, o, e, at);
  }
  if (c) {
    const connection = c;
    try {
      const where = scrubUrls(connection.nc.getServer());
      run.add(timedOk('reachable', at, (ms) => `connected to ${where} in ${ms} ms`));
      const info = connection.nc.info;
      if (tlsEnabled(o)) {
        const client = o.tlsCertFile === undefined ? '' : ', client certificate accepted';
        const verify = o.tlsVerify === false ? 'not verified (`tlsVerify=false`)' : 'verified';
        run.add(checkResult('tls', 'ok', `TLS on: server certificate ${verify}${client}`));
      }
      const who = credentialsText(o);
      const asked = info?.auth_required === true;
      const detail = !who
        ? 'none configured, and the server asks for none'
        : asked
          ? `${who} accepted`
          : `${who} configured; the server asks for no credentials`;
      run.add(checkResult('credentials', 'ok', detail));
      if (info?.version) run.add(versionCheck(info.version, NATS_TESTED));
      if (o.mode === 'jetstream') await checkJetStream(run, connection, o, context.role);
    } finally {
      await run.close(() => connection.close());
    }
  }
  return run.finish(ORDER, expected(o, context.role));
}
