import {
  type CheckContext,
  checkDialTls,
  checkFailed,
  checkListenTls,
  checkResult,
  checkSkipped,
  probeConnect,
  probeListen,
  type TransportCheck,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { optionsRequest } from './check-request.js';
import {
  COMPONENT,
  type ErrorContext,
  listenError,
  mapRequestError,
  missingOption,
} from './errors.js';
import { type ResolvedHttpOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';

const TIMEOUT_FIX =
  'check the host and port in `url` (a firewall may drop the packets), or raise --timeout-ms';

/** The ingress: its `listenTls*` files load, and `listen` can be bound now (bound and released). */
async function checkListener(options: ResolvedHttpOptions): Promise<TransportCheck[]> {
  const { listen } = options;
  if (listen === undefined)
    return [
      checkFailed(
        'listen',
        missingOption('listen', 'an ingress', 'listen=127.0.0.1:8080'),
        COMPONENT,
      ),
    ];
  const checks: TransportCheck[] = [];
  const tls = await checkListenTls(options, COMPONENT);
  if (tls) checks.push(tls);
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(colon + 1));
  const startedAt = performance.now();
  try {
    await probeListen(host, port);
    const detail =
      port === 0
        ? `${host}:0: a free port is picked at start`
        : `${listen} can be bound now (bound and released)`;
    checks.push(checkResult('listen', 'ok', detail, { startedAt }));
  } catch (error) {
    checks.push(checkFailed('listen', listenError(error, listen), COMPONENT, { startedAt }));
  }
  return checks;
}

/**
 * `check()` of the HTTP transport (docs/transports/http.md, "Doctor checks").
 * - ingress: `tls-files` (with `listenTls*`), `listen` (the address is bound and released at once).
 * - egress: `tls-files` (TLS), `reachable` (TCP and TLS, nothing sent), then one `OPTIONS` request
 *   to the URL's path with the configured headers and credentials (no body: nothing is written;
 *   edgeplane's own ingress answers it 204 after checking the token): `request` and `credentials`
 *   (`fail` on 401 / 403). Each step gets what is left of `context.timeoutMs`.
 */
export async function checkHttp(
  options: ResolvedHttpOptions,
  context: CheckContext,
): Promise<readonly TransportCheck[]> {
  if (context.role === 'ingress') return checkListener(options);
  const deadline = performance.now() + context.timeoutMs;
  const left = () => Math.max(1, Math.floor(deadline - performance.now()));
  if (options.url === undefined)
    return [
      checkFailed(
        'reachable',
        missingOption('url', 'an egress', 'url=http://127.0.0.1:8080/'),
        COMPONENT,
      ),
    ];
  const target = new URL(options.url);
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const server = `${target.hostname}:${port}`;
  const context_: ErrorContext = {
    action: `connect to ${server} (${target.protocol.slice(0, -1)})`,
    server,
  };
  const checks: TransportCheck[] = [];
  const enabled = tlsEnabled(options);
  const tls = await checkDialTls(options, {
    component: COMPONENT,
    enabled,
    enableHint: TLS_ENABLE_HINT,
  });
  if (tls.check) checks.push(tls.check);
  if (tls.check?.status === 'fail')
    return [
      ...checks,
      ...['reachable', 'request', 'credentials'].map((n) => checkSkipped(n, 'tls-files failed')),
    ];
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const startedAt = performance.now();
  try {
    const t = await probeConnect(host, port, {
      timeoutMs: left(),
      signal: context.signal,
      ...(tls.loaded ? { tls: tlsConnectOptions(tls.loaded, host) } : {}),
    });
    const handshake = t.tlsMs === undefined ? '' : ` (TLS ${t.tlsMs} ms, ${t.tlsVersion})`;
    checks.push(
      checkResult(
        'reachable',
        'ok',
        `${server} accepted a connection in ${t.tcpMs} ms${handshake}`,
        { startedAt },
      ),
    );
  } catch (error) {
    const timedOut = (error as { code?: unknown }).code === 'ETIMEDOUT';
    checks.push(
      checkFailed('reachable', mapRequestError(error, context_), COMPONENT, {
        startedAt,
        ...(timedOut ? { fix: TIMEOUT_FIX } : {}),
      }),
    );
    return [
      ...checks,
      checkSkipped('request', 'not reachable'),
      checkSkipped('credentials', 'not reachable'),
    ];
  }
  const requestContext: ErrorContext = {
    action: `OPTIONS to ${target.host}${target.pathname}`,
    server,
  };
  checks.push(
    ...(await optionsRequest(target, options, tls.loaded, requestContext, left, context.signal)),
  );
  return checks;
}
