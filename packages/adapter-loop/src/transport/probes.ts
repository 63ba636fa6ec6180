import { X509Certificate } from 'node:crypto';
import { createServer, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { checkFailed, checkResult } from './check.js';
import { type LoadedTls, type LoadTlsContext, loadTls, type TlsConnectOptions } from './tls.js';
import { type ListenTlsOptions, loadListenTls } from './tls-listen.js';
import type { TlsOptions } from './tls-options.js';
import type { TransportCheck } from './types.js';

/**
 * Probes for `Transport.check()` of transports that listen or dial over TCP (HTTP, gRPC,
 * WebSocket, and any third-party one). They reject with the **native** error (errno codes such
 * as `ECONNREFUSED`, `EADDRINUSE`, OpenSSL codes), for the transport's `errors.ts` to map.
 */

/** A certificate expiring within this many days is a `warn` of the `tls-files` check. */
export const CERT_EXPIRY_WARN_DAYS = 14;

/**
 * Binds `host:port` exclusively and releases it at once: whether a listener could start there
 * now. Nothing is accepted (the socket is closed before any client could connect).
 * @returns the port bound (the one given, or the one picked for port 0).
 * @throws the native `listen` error: `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, `ENOTFOUND`.
 */
export function probeListen(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Options of `probeConnect`. */
export interface ProbeConnectOptions {
  /** Also make a TLS handshake with these settings (`tlsConnectOptions(loaded, host)`). */
  readonly tls?: TlsConnectOptions | undefined;
  /** ALPN protocols offered in the TLS handshake, e.g. `['h2']`. */
  readonly alpn?: readonly string[] | undefined;
  /** Deadline of the whole probe, in ms: past it, the error has code `ETIMEDOUT`. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * After the TLS handshake, how long to wait for the server to refuse the client certificate,
   * in ms (with TLS 1.3 that alert comes after the handshake). Default 200.
   */
  readonly holdMs?: number | undefined;
}

/** What `probeConnect` measured. */
export interface ConnectTimings {
  /** Time to the TCP connection, in ms (0.1 ms resolution). */
  readonly tcpMs: number;
  /** Time of the TLS handshake after it, in ms, when TLS was asked for. */
  readonly tlsMs?: number | undefined;
  /** The TLS version agreed (`TLSv1.3`). */
  readonly tlsVersion?: string | undefined;
  /** The ALPN protocol the server chose, if any. */
  readonly alpn?: string | undefined;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Opens a TCP connection to `host:port` (and makes the TLS handshake when `tls` is given), then
 * closes it **without sending a byte** of application data.
 * @throws the native error (`ECONNREFUSED`, an OpenSSL code such as
 *   `UNABLE_TO_VERIFY_LEAF_SIGNATURE`), an error with code `ETIMEDOUT` after `timeoutMs` or when
 *   `signal` aborts with a `TimeoutError` reason, else one with code `ABORT_ERR` when it aborts.
 */
export function probeConnect(
  host: string,
  port: number,
  options: ProbeConnectOptions,
): Promise<ConnectTimings> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    let tcpMs = 0;
    const socket = netConnect({ host, port });
    let secure: ReturnType<typeof tlsConnect> | undefined;
    const finish = (error: unknown, timings?: ConnectTimings) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      secure?.destroy();
      socket.destroy();
      if (timings) resolve(timings);
      else reject(error);
    };
    const coded = (text: string, code: string) => Object.assign(new Error(text), { code });
    // doctor aborts with a TimeoutError when the budget ran out: that is a timeout, not a cancel
    const onAbort = () =>
      finish(
        (options.signal?.reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
          ? coded(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT')
          : coded('the check was cancelled', 'ABORT_ERR'),
      );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(coded(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT')),
      options.timeoutMs,
    );
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => {
      tcpMs = round(performance.now() - started);
      if (!options.tls) return finish(undefined, { tcpMs });
      const tlsStarted = performance.now();
      const s = tlsConnect({
        socket,
        ...options.tls,
        ...(options.alpn ? { ALPNProtocols: [...options.alpn] } : {}),
      });
      secure = s;
      s.once('error', (error) => finish(error));
      s.once('secureConnect', () => {
        const timings: ConnectTimings = {
          tcpMs,
          tlsMs: round(performance.now() - tlsStarted),
          tlsVersion: s.getProtocol() ?? undefined,
          ...(typeof s.alpnProtocol === 'string' ? { alpn: s.alpnProtocol } : {}),
        };
        setTimeout(() => finish(undefined, timings), options.holdMs ?? 200).unref();
      });
    });
  });
}

function expiry(pem: string | undefined): { text: string; daysLeft: number } | undefined {
  if (pem === undefined) return undefined;
  const cert = new X509Certificate(pem);
  const validTo = new Date(cert.validTo);
  return {
    text: validTo.toISOString().slice(0, 10),
    daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
  };
}

function filesCheck(
  names: readonly string[],
  cert: string | undefined,
  certOption: string,
  startedAt: number,
): TransportCheck {
  const exp = expiry(cert);
  const detail = `${names.join(', ')} read and checked${exp ? ` (certificate valid until ${exp.text})` : ''}`;
  if (exp && exp.daysLeft < CERT_EXPIRY_WARN_DAYS)
    return checkResult('tls-files', 'warn', `${detail}: expires in ${exp.daysLeft} days`, {
      fix: `renew the certificate of ${certOption} before it expires`,
      startedAt,
    });
  return checkResult('tls-files', 'ok', detail, { startedAt });
}

/**
 * The `tls-files` check of a listener: `loadListenTls` (regular PEM files, key matches the
 * certificate, passphrase decrypts it, not expired), plus a `warn` when the certificate expires
 * within `CERT_EXPIRY_WARN_DAYS`.
 * @returns undefined when no `listenTls*` option is set (plain TCP); never throws.
 */
export async function checkListenTls(
  options: ListenTlsOptions,
  component: string,
): Promise<TransportCheck | undefined> {
  const startedAt = performance.now();
  const names = (
    [
      'listenTlsCertFile',
      'listenTlsKeyFile',
      'listenTlsKeyPassphrase',
      'listenTlsClientCaFile',
    ] as const
  ).filter((n) => options[n] !== undefined);
  if (names.length === 0) return undefined;
  try {
    const loaded = await loadListenTls(options, component);
    return filesCheck(names, loaded?.cert, 'listenTlsCertFile', startedAt);
  } catch (error) {
    return checkFailed('tls-files', error, component, { startedAt });
  }
}

/**
 * The `tls-files` check of a side that dials: `loadTls` with the transport's context.
 * @returns `loaded` for `tlsConnectOptions` (undefined when TLS is off, or the files failed) and
 *   the check (undefined when TLS is off); never throws.
 */
export async function checkDialTls(
  options: TlsOptions,
  context: LoadTlsContext,
): Promise<{ readonly check?: TransportCheck; readonly loaded?: LoadedTls }> {
  const startedAt = performance.now();
  try {
    const loaded = await loadTls(options, context);
    if (!loaded) return {};
    if (options.tlsVerify === false)
      return {
        loaded,
        check: checkResult(
          'tls-files',
          'warn',
          "tlsVerify=false: the server's certificate is not verified (anyone on the path can read and change the data)",
          {
            fix: 'remove tlsVerify=false and give tlsCaFile instead (tlsVerify=false is for tests)',
            startedAt,
          },
        ),
      };
    const names = (['tlsCaFile', 'tlsCertFile', 'tlsKeyFile', 'tlsKeyPassphrase'] as const).filter(
      (n) => options[n] !== undefined,
    );
    if (names.length === 0)
      return {
        loaded,
        check: checkResult('tls-files', 'ok', "no TLS files: the system's CAs verify the server", {
          startedAt,
        }),
      };
    return { loaded, check: filesCheck(names, loaded.cert, 'tlsCertFile', startedAt) };
  } catch (error) {
    return { check: checkFailed('tls-files', error, context.component, { startedAt }) };
  }
}
