import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { freePort, type TestCertificate, type TestPki } from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Endpoint, type Options, type TlsTarget, tlsCases } from './harness.js';

/** The bearer token and the client key's passphrase reach the CLI only through the env. */
const TOKEN = 'grpc-bearer-3e9a7c21';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()

/**
 * An independent gRPC peer (not the transport's code): a plain Node HTTP/2 TLS server requiring
 * a client certificate from the test CA, answering every unary call with an empty message and
 * `grpc-status: 0`, or `grpc-status: 16` (UNAUTHENTICATED) without the right bearer token.
 */
async function grpcPeer(pki: TestPki, cert: TestCertificate): Promise<http2.Http2SecureServer> {
  const server = http2.createSecureServer({
    cert: readFileSync(cert.cert, 'utf8'),
    key: readFileSync(cert.key, 'utf8'),
    ca: readFileSync(pki.ca, 'utf8'),
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('tlsClientError', () => {});
  server.on('session', (s) => s.on('error', () => {}));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => {
      const ok = headers.authorization === `Bearer ${TOKEN}`;
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () =>
        stream.sendTrailers(
          ok
            ? { 'grpc-status': '0' }
            : { 'grpc-status': '16', 'grpc-message': 'wrong bearer token' },
        ),
      );
      stream.end(ok ? Buffer.from([0, 0, 0, 0, 0]) : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

let peer: http2.Http2SecureServer | undefined;
/** The PKI of the run: `serve()` needs its CA for the client-certificate check. */
let servePki: TestPki | undefined;
const extra: http2.Http2SecureServer[] = [];
const ports: number[] = [];
const port = (s: http2.Http2SecureServer | undefined): number => {
  if (!s) throw new Error('the gRPC peer with TLS is not running');
  return (s.address() as AddressInfo).port;
};
const closeServer = (s: http2.Http2SecureServer) =>
  new Promise<void>((r) => {
    s.close(() => r());
    setTimeout(r, 500).unref();
  });

const grpcTarget: TlsTarget = {
  transport: 'grpc',
  async start(pki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    servePki = pki;
    peer = await grpcPeer(pki, pki.server);
    for (let i = 0; i < 4; i++) ports.push(await freePort());
  },
  async stop() {
    await Promise.all([peer, ...extra.splice(0)].filter((s) => s !== undefined).map(closeServer));
    peer = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (_ns, pki) => ({
    url: `https://127.0.0.1:${port(peer)}`,
    authToken: '${EP_GRPC_TOKEN}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  // The ingress: a TLS listener requiring a client certificate from the CA, and the token.
  sourceOptions: (_ns, pki) => {
    const listen = ports.shift();
    if (listen === undefined) throw new Error('no free port left for the ingress');
    return {
      listen: `127.0.0.1:${listen}`,
      authToken: '${EP_GRPC_TOKEN}',
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
      listenTlsClientCaFile: pki.ca,
    };
  },
  sourceEndpoint: (options) => {
    const [host, p] = (options.listen as string).split(':');
    return { host: host as string, port: Number(p) };
  },
  env: { EP_GRPC_TOKEN: TOKEN, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint: Endpoint) => ({
    ...options,
    url: `https://${endpoint.host}:${endpoint.port}`,
  }),
  // Another peer presenting `cert` (expired, wrong host): the handshake fails before any call.
  async serve(cert) {
    const pki = servePki;
    if (!pki) throw new Error('no PKI');
    const s = await grpcPeer(pki, cert);
    extra.push(s);
    return { host: '127.0.0.1', port: port(s) };
  },
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return { ...plain, url: `http://127.0.0.1:${port(peer)}` };
  },
  withWrongPassword: (options) => ({ ...options, authToken: 'not-the-token' }),
  enableTlsHint: /https:\/\/ URL \(or set tls=true\)/,
};

describe('grpc over TLS (independent HTTP/2 peer and the grpc ingress, mutual TLS, bearer token)', () => {
  tlsCases(grpcTarget);
});
