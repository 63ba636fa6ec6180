import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

/** A TLS endpoint in front of a real server's plaintext port. */
export interface TlsProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Presents another certificate (PEM files) to the connections that follow. */
  present(cert: { readonly cert: string; readonly key: string }): void;
  /** Cuts every open connection (the client sees the server go away). */
  cut(): void;
  close(): Promise<void>;
}

/** What `tlsProxy` presents and where it forwards. */
export interface TlsProxyOptions {
  /** The plaintext port of the real server. */
  readonly target: { readonly host: string; readonly port: number };
  /** PEM files of the certificate the proxy presents (e.g. an expired one) and its key. */
  readonly cert: string;
  readonly key: string;
  /** With `ca`: ask for a client certificate signed by it, and refuse a connection without one. */
  readonly ca?: string;
}

/**
 * Terminates TLS on a free loopback port and forwards the bytes to a real server's plaintext
 * port, so a test can present a certificate the server itself is not configured with (expired,
 * wrong host, another CA) without starting another broker. The handshake is Node's, so what the
 * client sees is a real TLS failure; what follows it is the real server.
 */
export function tlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const sockets = new Set<Socket>();
  const context = (c: { readonly cert: string; readonly key: string }) => ({
    cert: readFileSync(c.cert),
    key: readFileSync(c.key),
  });
  const server = createServer(
    {
      ...context(options),
      ...(options.ca
        ? { ca: readFileSync(options.ca), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (client: TLSSocket) => {
      const upstream = netConnect(options.target.port, options.target.host);
      sockets.add(client);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => {});
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        host: '127.0.0.1',
        port,
        present: (cert) => server.setSecureContext(context(cert)),
        cut: () => {
          for (const s of sockets) s.destroy();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
