import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsServerOptions } from '@edgeplane/adapter-loop/transport';
import { WebSocketServer } from 'ws';
import { frameLimit, keepAlive } from './dial.js';
import { PROTOCOL } from './envelope.js';
import { wsError } from './errors.js';
import type { ResolvedWebSocketOptions } from './options.js';
import type { Inbox } from './source.js';

/** Answers an upgrade request with a plain HTTP status (before any handshake) and closes. */
function refuse(socket: Duplex, status: number, reason: string, extra = ''): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * The listening ingress: an HTTP(S) server whose upgrades on `path` become peers of the inbox.
 * Refused before the handshake: another path (404), a missing or wrong bearer token (401), a
 * client without the `edgeplane.v1` subprotocol when the protocol is on (400), any upgrade while
 * closing (503).
 */
export class Listener {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private closing = false;

  constructor(
    private readonly options: ResolvedWebSocketOptions,
    tls: TlsServerOptions | undefined,
    private readonly inbox: Inbox,
  ) {
    const v1 = options.ackProtocol !== 'none';
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: frameLimit(options.maxPayload),
      perMessageDeflate: false,
      clientTracking: true,
      handleProtocols: (offered) => (v1 && offered.has(PROTOCOL) ? PROTOCOL : false),
    });
    const answer = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('this endpoint speaks WebSocket only\n');
    };
    this.server = tls ? createTlsServer(tls, answer) : createServer(answer);
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_e, socket) => socket.destroy());
    this.server.on('tlsClientError', () => {});
  }

  /** Why an upgrade is refused (status, reason, extra header lines), or undefined. */
  private refusal(req: IncomingMessage): [number, string, string?] | undefined {
    if (this.closing) return [503, 'Service Unavailable', 'Retry-After: 1\r\n'];
    const path = (req.url ?? '/').split('?')[0];
    if (path !== this.options.path) return [404, 'Not Found'];
    const token = this.options.authToken;
    if (token !== undefined && !tokenMatches(req.headers.authorization, token))
      return [401, 'Unauthorized', 'WWW-Authenticate: Bearer\r\n'];
    if (this.options.ackProtocol !== 'none') {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      if (!offered.includes(PROTOCOL))
        return [400, `Bad Request: Sec-WebSocket-Protocol ${PROTOCOL} required`];
    }
    return undefined;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const refused = this.refusal(req);
    if (refused) {
      refuse(socket, ...refused);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      this.inbox.accept(ws, remote);
      keepAlive(ws, this.options.pingIntervalMs);
    });
  }

  /**
   * Listens on `listen`.
   * @throws EdgeplaneError `unavailable` (address in use), `permission-denied` (a privileged port).
   */
  async start(): Promise<void> {
    const listen = this.options.listen ?? '127.0.0.1:0';
    const at = listen.lastIndexOf(':');
    const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(listen.slice(at + 1));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) =>
        reject(wsError(error, { action: 'listen on', server: listen }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** `host:port` actually listened on (the port chosen when `listen` had port 0). */
  address(): string | undefined {
    const a = this.server.address() as AddressInfo | null;
    if (!a) return undefined;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Stops accepting (new upgrades: 503), closes every peer with 1001 (going away). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const clients = [...this.wss.clients];
    for (const ws of clients) ws.close(1001, 'going away');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const killer = setTimeout(() => {
      for (const ws of clients) ws.terminate();
      this.server.closeAllConnections();
    }, 500);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
    clearTimeout(killer);
    for (const ws of clients) ws.terminate();
    this.server.closeAllConnections();
    this.wss.close();
  }
}
