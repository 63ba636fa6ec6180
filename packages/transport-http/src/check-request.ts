import {
  checkFailed,
  checkResult,
  checkSkipped,
  type LoadedTls,
  plaintextToTlsPortError,
  probeTlsPort,
  type TransportCheck,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { Client } from 'undici';
import { COMPONENT, type ErrorContext, mapRequestError, mapStatus } from './errors.js';
import { type ResolvedHttpOptions, TLS_ENABLE_HINT } from './options.js';
import { staticHeaders } from './wire.js';

/** What an OPTIONS answer says about the request path (`request`) and the credentials. */
function readAnswer(
  status: number,
  target: URL,
  options: ResolvedHttpOptions,
  context: ErrorContext,
  startedAt: number,
): TransportCheck[] {
  const said = `OPTIONS ${target.pathname} answered ${status}`;
  // authToken, the URL's user:password@, or any `headers.*` (an API key may ride in one)
  const sent = Object.keys(staticHeaders(options, target)).length > 0;
  const hmac =
    options.hmacSecret !== undefined
      ? '; hmacSecret is not checked (OPTIONS has no body to sign)'
      : '';
  const at = { startedAt };
  let request: TransportCheck;
  if (status === 404)
    request = checkResult(
      'request',
      'warn',
      `${said}: the path may not exist (or the server does not answer OPTIONS there)`,
      {
        fix: 'check the path in `url`',
        ...at,
      },
    );
  else if (status >= 300 && status < 400)
    request = checkFailed('request', mapStatus(status, '', context).error, COMPONENT, at);
  else if (status === 408 || status === 429 || status >= 500)
    request = checkResult(
      'request',
      'warn',
      `${said}: the server is up but not taking requests now`,
      {
        fix: 'check the receiving server (the egress retries these answers)',
        ...at,
      },
    );
  else request = checkResult('request', 'ok', said, at);
  if (status === 401 || status === 403)
    return [
      request,
      checkFailed('credentials', mapStatus(status, '', context).error, COMPONENT, at),
    ];
  const credentials = !sent
    ? `none configured, none asked for${hmac}`
    : status >= 200 && status < 300
      ? `accepted (${said})${hmac}`
      : `not refused (${said}; a server may check them on POST only)${hmac}`;
  return [request, checkResult('credentials', 'ok', credentials, at)];
}

/** One OPTIONS request to the URL's path with the configured headers and credentials; no body. */
export async function optionsRequest(
  target: URL,
  options: ResolvedHttpOptions,
  tls: LoadedTls | undefined,
  context: ErrorContext,
  left: () => number,
  signal: AbortSignal,
): Promise<TransportCheck[]> {
  const startedAt = performance.now();
  const budget = left();
  const timeout = AbortSignal.timeout(budget);
  const client = new Client(target.origin, {
    connectTimeout: budget,
    headersTimeout: budget + 1000,
    bodyTimeout: budget + 1000,
    ...(tls ? { connect: tlsConnectOptions(tls, target.hostname) } : {}),
  });
  try {
    const response = await client.request({
      path: `${target.pathname}${target.search}`,
      method: 'OPTIONS',
      headers: staticHeaders(options, target),
      signal: AbortSignal.any([signal, timeout]),
    });
    await response.body.dump().catch(() => {});
    return readAnswer(response.statusCode, target, options, context, startedAt);
  } catch (error) {
    let failed: TransportCheck;
    if (timeout.aborted || signal.aborted)
      failed = checkResult(
        'request',
        'fail',
        `OPTIONS ${target.pathname}: no answer within ${Math.round(budget)} ms`,
        {
          fix: 'the server accepts connections but does not answer HTTP: check the port in `url` (or raise --timeout-ms)',
          startedAt,
        },
      );
    else {
      let mapped = mapRequestError(error, context);
      const port = Number(target.port || 80);
      if (
        !tls &&
        mapped.code === 'unavailable' &&
        (await probeTlsPort(target.hostname, port, 1000))
      )
        mapped = plaintextToTlsPortError(COMPONENT, context.server, TLS_ENABLE_HINT, error);
      failed = checkFailed('request', mapped, COMPONENT, { startedAt });
    }
    return [failed, checkSkipped('credentials', 'the request failed')];
  } finally {
    await client.destroy().catch(() => {});
  }
}
