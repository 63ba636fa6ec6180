import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { connectNodeAdapter } from '@connectrpc/connect-node';
import type { TlsServerOptions } from '@edgeplane/adapter-loop/transport';

type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;

/** The HTTP/2 connection preface starts with these bytes (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/**
 * One listening port serving `handler` over HTTP/2 and HTTP/1.1 (gRPC needs HTTP/2; gRPC-Web
 * and Connect also work over HTTP/1.1, e.g. from `fetch`).
 * - TLS: `http2.createSecureServer` with `allowHTTP1`: ALPN picks `h2` or `http/1.1`.
 * - Plaintext: Node's h2c server speaks HTTP/2 only, so a plain TCP server looks at the first
 *   bytes of each connection and hands it to an HTTP/2 server (the preface) or an HTTP/1.1 one.
 */
export class Listener {
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly front: net.Server;
  private readonly h2: http2.Http2Server | http2.Http2SecureServer;
  private readonly h1: http.Server | undefined;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(handler: NodeHandlerFn, tls: TlsServerOptions | undefined) {
    if (tls) {
      const secure = http2.createSecureServer({ ...tls, allowHTTP1: true }, handler);
      this.h2 = secure;
      this.front = secure;
      this.h1 = undefined;
      secure.on('secureConnection', (socket: net.Socket) => this.track(socket));
      // A failed handshake (no client certificate, a wrong CA) is the client's problem.
      secure.on('tlsClientError', () => {});
    } else {
      const h2 = http2.createServer({}, handler);
      const h1 = http.createServer(handler as http.RequestListener);
      h1.keepAliveTimeout = 65_000;
      this.h2 = h2;
      this.h1 = h1;
      this.front = net.createServer((socket) => {
        this.track(socket);
        this.route(socket, Buffer.alloc(0));
      });
    }
    this.h2.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      // A peer that breaks the protocol or vanishes: only its own session ends.
      session.on('error', () => {});
    });
  }

  private track(socket: net.Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
  }

  /** Reads until the first bytes tell the protocol, then gives the socket to that server. */
  private route(socket: net.Socket, seen: Buffer): void {
    socket.once('data', (chunk: Buffer) => {
      const head = Buffer.concat([seen, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const h2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (h2 && head.length < PREFACE.length) {
        this.route(socket, head);
        return;
      }
      socket.pause();
      socket.unshift(head);
      // The HTTP/2 session takes the bytes left in the socket's buffer and reads the handle
      // itself: resuming the JS stream too would steal its data. HTTP/1.1 reads the stream.
      if (h2) this.h2.emit('connection', socket);
      else {
        (this.h1 as http.Server).emit('connection', socket);
        socket.resume();
      }
    });
  }

  /** Listens on `host:port`; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.front.once('error', onError);
      this.front.listen({ host, port, exclusive: true }, () => {
        this.front.off('error', onError);
        resolve((this.front.address() as net.AddressInfo).port);
      });
    });
  }

  /** Open connections now. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting, asks HTTP/2 peers to go away (GOAWAY), and destroys whatever is still open
   * after `graceMs` (answers already written are flushed by then).
   */
  async close(graceMs = 200): Promise<void> {
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    for (const session of this.sessions) {
      try {
        session.close();
      } catch {
        // already closing
      }
    }
    this.h1?.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
  }
}
