import {
  diagnoseTlsMismatch,
  type EdgeplaneError,
  type LoadedTls,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import WebSocket from 'ws';
import { HEADER_BYTES, MAX_META_BYTES, PROTOCOL } from './envelope.js';
import { COMPONENT, closedByPeer, protocolMismatch, upgradeRefused, wsError } from './errors.js';
import { TLS_ENABLE_HINT } from './options.js';

/** What a dialling side needs to connect once. */
export interface DialSettings {
  readonly url: string;
  readonly ackProtocol: 'edgeplane.v1' | 'none';
  readonly authToken?: string | undefined;
  readonly maxPayload: number;
  readonly connectTimeoutMs: number;
  readonly tls?: LoadedTls | undefined;
}

/** `host:port` of a ws/wss URL (never the path, never credentials). */
export function serverOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'wss:' ? '443' : '80')}`;
}

/** The frame limit for `maxPayload` (bytes of body): the body plus the envelope's header and meta. */
export function frameLimit(maxPayload: number): number {
  return maxPayload + HEADER_BYTES + MAX_META_BYTES;
}

/**
 * Connects once: TCP, TLS (the loaded `tls*` files), the upgrade with `Authorization: Bearer`
 * and, with the ack protocol, `Sec-WebSocket-Protocol: edgeplane.v1`.
 * @returns the open socket (already given to `onOpen`).
 * @throws EdgeplaneError `unavailable` (refused, reset, timed out: `connectTimeoutMs`),
 *   `unauthenticated` (401), `permission-denied` (403), `not-found` (404), `protocol` (the
 *   subprotocol was not agreed), `tls` (a certificate problem, naming the option).
 */
export function dial(
  settings: DialSettings,
  signal?: AbortSignal,
  /** Called in the `open` event itself, so no frame that follows the 101 is missed. */
  onOpen: (ws: WebSocket) => void = () => {},
): Promise<WebSocket> {
  const server = serverOf(settings.url);
  const context = { action: 'connect to', server };
  const wanted = settings.ackProtocol === 'none' ? undefined : PROTOCOL;
  const host = new URL(settings.url).hostname.replace(/^\[|\]$/g, '');
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(settings.url, wanted ? [wanted] : [], {
      headers: settings.authToken ? { authorization: `Bearer ${settings.authToken}` } : {},
      maxPayload: frameLimit(settings.maxPayload),
      perMessageDeflate: false,
      followRedirects: false,
      ...(settings.tls ? tlsConnectOptions(settings.tls, host) : {}),
    });
    const fail = (error: EdgeplaneError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(error);
    };
    const onAbort = () => fail(wsError(new Error('connect cancelled'), context));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      fail(
        wsError(
          Object.assign(new Error(`no answer within ${settings.connectTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
          context,
        ),
      );
    }, settings.connectTimeoutMs);
    // Checked here, before ws refuses it with an untyped error: the peer's choice of subprotocol.
    ws.once('upgrade', (res) => {
      const got = String(res.headers['sec-websocket-protocol'] ?? '');
      if (got !== (wanted ?? '')) fail(protocolMismatch(wanted, got, context));
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      fail(upgradeRefused(res.statusCode ?? 0, context));
    });
    ws.once('error', (error) => fail(wsError(error, context)));
    ws.once('close', (code) => fail(closedByPeer(code, { server })));
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      onOpen(ws);
      resolve(ws);
    });
  });
}

/**
 * Explains a first connection that failed as a TLS mismatch when it is one (plaintext to a TLS
 * port, TLS to a plaintext port): a permanent `tls` error; else `error` unchanged.
 */
export async function explainFirstFailure(
  error: EdgeplaneError,
  url: string,
): Promise<EdgeplaneError> {
  if (error.code !== 'unavailable' || error.details?.errno === 'ECONNREFUSED') return error;
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
  const tls = await diagnoseTlsMismatch(u.hostname, port, {
    component: COMPONENT,
    tls: u.protocol === 'wss:',
    enableHint: TLS_ENABLE_HINT,
    disableHint: 'use a ws:// URL for a plaintext endpoint',
  });
  return tls ?? error;
}

/**
 * Ping/pong keep-alive: a ping every `intervalMs`; a peer silent (no pong, no frame) for two
 * intervals is terminated (its `close` handler then redials or forgets it).
 * @returns a function that stops it.
 */
export function keepAlive(ws: WebSocket, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  let seen = Date.now();
  const touch = () => {
    seen = Date.now();
  };
  ws.on('pong', touch);
  ws.on('message', touch);
  ws.on('ping', touch);
  const timer = setInterval(() => {
    if (Date.now() - seen > 2 * intervalMs) {
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }, intervalMs);
  timer.unref();
  const stop = () => clearInterval(timer);
  ws.once('close', stop);
  return stop;
}
