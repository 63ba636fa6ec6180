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
import { Egress } from './egress.js';
import { COMPONENT, grpcError, listenError, missingForRole } from './errors.js';
import { parseListen, type ResolvedGrpcOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';

const TIMEOUT_FIX =
  'check the host and port in `url` (a firewall may drop the packets), or raise --timeout-ms';

/** The ingress: its `listenTls*` files load, and `listen` can be bound now (bound and released). */
async function checkListener(options: ResolvedGrpcOptions): Promise<TransportCheck[]> {
  const { listen } = options;
  if (listen === undefined)
    return [checkFailed('listen', missingForRole('listen', 'ingress'), COMPONENT)];
  const checks: TransportCheck[] = [];
  const tls = await checkListenTls(options, COMPONENT);
  if (tls) checks.push(tls);
  const at = parseListen(listen) as { host: string; port: number };
  const startedAt = performance.now();
  try {
    await probeListen(at.host, at.port);
    const detail =
      at.port === 0
        ? `${at.host}:0: a free port is picked at start`
        : `${listen} can be bound now (bound and released)`;
    checks.push(checkResult('listen', 'ok', detail, { startedAt }));
  } catch (error) {
    checks.push(checkFailed('listen', listenError(listen, error), COMPONENT, { startedAt }));
  }
  return checks;
}

/** The Ingest call with no messages: the server serves `method` and takes `authToken`. */
async function emptyCall(
  options: ResolvedGrpcOptions,
  signal: AbortSignal,
  budget: number,
): Promise<TransportCheck[]> {
  const startedAt = performance.now();
  const egress = new Egress({ ...options, connectTimeoutMs: budget });
  const timeout = AbortSignal.timeout(budget);
  const name = (code: string) =>
    code === 'unauthenticated' || code === 'permission-denied' ? 'credentials' : 'call';
  try {
    await egress.probe(AbortSignal.any([signal, timeout]), budget);
    const detail = `${options.method} answered a call with no messages`;
    return [
      checkResult('call', 'ok', detail, { startedAt }),
      checkResult(
        'credentials',
        'ok',
        options.authToken === undefined ? 'none configured, none asked for' : 'authToken accepted',
        { startedAt },
      ),
    ];
  } catch (error) {
    if (timeout.aborted || signal.aborted)
      return [
        checkResult('call', 'fail', `${options.method}: no answer within ${budget} ms`, {
          fix: 'the server accepts connections but does not answer gRPC: check the port in `url` (or raise --timeout-ms)',
          startedAt,
        }),
        checkSkipped('credentials', 'the call failed'),
      ];
    const e = grpcError(error, { method: options.method, server: new URL(options.url ?? '').host });
    const failed = checkFailed(name(e.code), e, COMPONENT, { startedAt });
    return failed.name === 'credentials'
      ? [checkResult('call', 'ok', `${options.method} answered (refusing the credentials)`), failed]
      : [failed, checkSkipped('credentials', 'the call failed')];
  } finally {
    await egress.close();
  }
}

/**
 * `check()` of the gRPC transport (docs/transports/grpc.md, "Doctor checks").
 * - ingress: `tls-files` (with `listenTls*`), `listen` (the address is bound and released at once).
 * - egress: `tls-files` (TLS), `reachable` (TCP and TLS with ALPN h2, nothing sent), then one
 *   call of `method` with **no messages** over HTTP/2 (nothing is written; edgeplane's ingress
 *   answers `accepted: 0` after checking the token): `call` and `credentials`.
 * Each step gets what is left of `context.timeoutMs`.
 */
export async function checkGrpc(
  options: ResolvedGrpcOptions,
  context: CheckContext,
): Promise<readonly TransportCheck[]> {
  if (context.role === 'ingress') return checkListener(options);
  const deadline = performance.now() + context.timeoutMs;
  const left = () => Math.max(1, Math.floor(deadline - performance.now()));
  if (options.url === undefined)
    return [checkFailed('reachable', missingForRole('url', 'egress'), COMPONENT)];
  const url = new URL(options.url);
  const enabled = tlsEnabled(options);
  const port = Number(url.port || (enabled ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const checks: TransportCheck[] = [];
  const tls = await checkDialTls(options, {
    component: COMPONENT,
    enabled,
    enableHint: TLS_ENABLE_HINT,
  });
  if (tls.check) checks.push(tls.check);
  if (tls.check?.status === 'fail')
    return [
      ...checks,
      ...['reachable', 'call', 'credentials'].map((n) => checkSkipped(n, 'tls-files failed')),
    ];
  const startedAt = performance.now();
  try {
    const t = await probeConnect(host, port, {
      timeoutMs: left(),
      signal: context.signal,
      ...(tls.loaded ? { tls: tlsConnectOptions(tls.loaded, host), alpn: ['h2'] } : {}),
    });
    const handshake =
      t.tlsMs === undefined
        ? ''
        : ` (TLS ${t.tlsMs} ms, ${t.tlsVersion}, ALPN ${t.alpn ?? 'none'})`;
    checks.push(
      checkResult(
        'reachable',
        'ok',
        `${url.host} accepted a connection in ${t.tcpMs} ms${handshake}`,
        {
          startedAt,
        },
      ),
    );
  } catch (error) {
    const timedOut = (error as { code?: unknown }).code === 'ETIMEDOUT';
    const e = grpcError(error, { method: options.method, server: url.host });
    checks.push(
      checkFailed('reachable', e, COMPONENT, {
        startedAt,
        ...(timedOut ? { fix: TIMEOUT_FIX } : {}),
      }),
    );
    return [
      ...checks,
      checkSkipped('call', 'not reachable'),
      checkSkipped('credentials', 'not reachable'),
    ];
  }
  checks.push(...(await emptyCall(options, context.signal, left())));
  return checks;
}
