import {
  type CheckContext,
  checkDialTls,
  checkFailed,
  checkListenTls,
  checkResult,
  checkSkipped,
  EdgeplaneError,
  type LoadedTls,
  probeConnect,
  probeListen,
  type TransportCheck,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import type WebSocket from 'ws';
import { dial, explainFirstFailure, serverOf } from './dial.js';
import { COMPONENT, noUrl, wsError } from './errors.js';
import { type ResolvedWebSocketOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';

const TIMEOUT_FIX =
  'check the host and port in `url` (a firewall may drop the packets), or raise --timeout-ms';

/** A listening ingress: its `listenTls*` files load, and `listen` can be bound now. */
async function checkListener(options: ResolvedWebSocketOptions): Promise<TransportCheck[]> {
  const listen = options.listen as string;
  const checks: TransportCheck[] = [];
  const tls = await checkListenTls(options, COMPONENT);
  if (tls) checks.push(tls);
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(at + 1));
  const startedAt = performance.now();
  try {
    await probeListen(host, port);
    const detail =
      port === 0
        ? `${host}:0: a free port is picked at start`
        : `${listen} can be bound now (bound and released)`;
    checks.push(checkResult('listen', 'ok', detail, { startedAt }));
  } catch (error) {
    const e = wsError(error, { action: 'listen on', server: listen });
    checks.push(checkFailed('listen', e, COMPONENT, { startedAt }));
  }
  return checks;
}

/** Closes a socket with a close frame (no message), waiting at most 500 ms for the peer's. */
function closeQuietly(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 500);
    ws.on('error', () => {});
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000, 'edgeplane doctor');
  });
}

/** The upgrade (subprotocol agreed), then a close frame: nothing is sent or read. */
async function upgrade(
  options: ResolvedWebSocketOptions & { url: string },
  tls: LoadedTls | undefined,
  signal: AbortSignal,
  budget: number,
): Promise<TransportCheck[]> {
  const startedAt = performance.now();
  const settings = { ...options, connectTimeoutMs: budget, tls };
  const path = new URL(options.url).pathname;
  try {
    const ws = await dial(settings, signal);
    const protocol = ws.protocol === '' ? 'no subprotocol' : `subprotocol ${ws.protocol}`;
    await closeQuietly(ws);
    return [
      checkResult('upgrade', 'ok', `upgraded ${path} (${protocol}) and closed, no message sent`, {
        startedAt,
      }),
      checkResult(
        'credentials',
        'ok',
        options.authToken === undefined ? 'none configured, none asked for' : 'authToken accepted',
        { startedAt },
      ),
    ];
  } catch (error) {
    const first = EdgeplaneError.from(error, COMPONENT);
    // no TLS diagnosis after the budget: it is spent, and the port did answer TCP
    if (signal.aborted || first.details?.errno === 'ETIMEDOUT')
      return [
        checkResult('upgrade', 'fail', `${path}: no answer to the upgrade within ${budget} ms`, {
          fix: 'the server accepts connections but does not answer a WebSocket upgrade: check the port and path in `url` (or raise --timeout-ms)',
          startedAt,
        }),
        checkSkipped('credentials', 'the upgrade failed'),
      ];
    const e = await explainFirstFailure(first, options.url);
    if (e.code === 'unauthenticated' || e.code === 'permission-denied')
      return [
        checkSkipped('upgrade', 'the credentials were refused'),
        checkFailed('credentials', e, COMPONENT, { startedAt }),
      ];
    return [
      checkFailed('upgrade', e, COMPONENT, { startedAt }),
      checkSkipped('credentials', 'the upgrade failed'),
    ];
  }
}

/**
 * `check()` of the WebSocket transport (docs/transports/websocket.md, "Doctor checks").
 * - listening ingress: `tls-files` (with `listenTls*`), `listen` (bound and released at once).
 * - dialling side: `tls-files` (wss), `reachable` (TCP and TLS, nothing sent), `upgrade` (the
 *   upgrade with the token and the subprotocol, then a close frame: no message is sent and none
 *   is read) and `credentials`. A dialling **ingress** with `ackProtocol=none` is not upgraded
 *   (`skip`): its server could push messages at once, which doctor would drop (at-most-once).
 * Each step gets what is left of `context.timeoutMs`.
 */
export async function checkWebSocket(
  options: ResolvedWebSocketOptions,
  context: CheckContext,
): Promise<readonly TransportCheck[]> {
  if (context.role === 'ingress' && options.listen !== undefined) return checkListener(options);
  const deadline = performance.now() + context.timeoutMs;
  const left = () => Math.max(1, Math.floor(deadline - performance.now()));
  if (options.url === undefined) return [checkFailed('reachable', noUrl(), COMPONENT)];
  const url = options.url;
  const u = new URL(url);
  const server = serverOf(url);
  const enabled = tlsEnabled(options);
  const tls = await checkDialTls(options, {
    component: COMPONENT,
    enabled,
    enableHint: TLS_ENABLE_HINT,
  });
  const checks: TransportCheck[] = tls.check ? [tls.check] : [];
  const later = ['reachable', 'upgrade', 'credentials'];
  if (tls.check?.status === 'fail')
    return [...checks, ...later.map((n) => checkSkipped(n, 'tls-files failed'))];
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const startedAt = performance.now();
  try {
    const port = Number(u.port || (enabled ? 443 : 80));
    const t = await probeConnect(host, port, {
      timeoutMs: left(),
      signal: context.signal,
      ...(tls.loaded ? { tls: tlsConnectOptions(tls.loaded, host) } : {}),
    });
    const handshake = t.tlsMs === undefined ? '' : ` (TLS ${t.tlsMs} ms, ${t.tlsVersion})`;
    const detail = `${server} accepted a connection in ${t.tcpMs} ms${handshake}`;
    checks.push(checkResult('reachable', 'ok', detail, { startedAt }));
  } catch (error) {
    const timedOut = (error as { code?: unknown }).code === 'ETIMEDOUT';
    const e = wsError(error, { action: 'connect to', server });
    const fix = timedOut ? { fix: TIMEOUT_FIX } : {};
    checks.push(checkFailed('reachable', e, COMPONENT, { startedAt, ...fix }));
    return [...checks, ...later.slice(1).map((n) => checkSkipped(n, 'not reachable'))];
  }
  if (context.role === 'ingress' && options.ackProtocol === 'none') {
    const why =
      'a dialling ingress with ackProtocol=none is not upgraded (its server could push messages doctor would drop)';
    return [...checks, checkSkipped('upgrade', why), checkSkipped('credentials', why)];
  }
  checks.push(...(await upgrade({ ...options, url }, tls.loaded, context.signal, left())));
  return checks;
}
