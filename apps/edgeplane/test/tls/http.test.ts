import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { freePort, type TestPki } from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Endpoint, type Options, type TlsTarget, tlsCases } from './harness.js';

/** The bearer token and the client key's passphrase reach the CLI only through the env. */
const TOKEN = 'http-bearer-token-3c9d1a7e';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()

/**
 * The independent real peer of the refused cases: a plain `node:https` server (not the code
 * under test) requiring a client certificate from the PKI's CA and the bearer token (401
 * otherwise), answering 204; plus a plain `node:http` server of the same handler, the plaintext
 * endpoint `tlsProxy` presents the expired and wrong-host certificates in front of.
 */
interface Peers {
  readonly tls: Server;
  readonly plain: Server;
  /** Free ports for the ingress of each round trip (sourceOptions is synchronous). */
  readonly ports: number[];
}
let peers: Peers | undefined;
const running = (): Peers => {
  if (!peers) throw new Error('the https peer is not running');
  return peers;
};
const portOf = (s: Server) => (s.address() as AddressInfo).port;
const listen = (s: Server) =>
  new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));

function handler(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
) {
  req.resume();
  req.on('end', () => {
    res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 204 : 401).end();
  });
}

const listenPort = (options: Options): number => Number(options.listen?.split(':')[1]);

const httpTarget: TlsTarget = {
  transport: 'http',
  async start(pki: TestPki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    const tls = createHttpsServer(
      {
        cert: readFileSync(pki.server.cert),
        key: readFileSync(pki.server.key),
        ca: readFileSync(pki.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      handler,
    );
    const plain = createHttpServer(handler);
    await Promise.all([listen(tls), listen(plain)]);
    const ports: number[] = [];
    for (let i = 0; i < 4; i++) ports.push(await freePort());
    peers = { tls, plain, ports };
  },
  async stop() {
    for (const s of [peers?.tls, peers?.plain]) {
      s?.closeAllConnections();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    }
    peers = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (ns, pki) => ({
    url: `https://127.0.0.1:${portOf(running().tls)}/${ns}`,
    authToken: '${EP_HTTP_TOKEN}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  // The ingress under test: TLS with the PKI's server certificate, mutual TLS, the bearer token.
  sourceOptions: (ns, pki) => ({
    listen: `127.0.0.1:${running().ports.shift() ?? 0}`,
    path: `/${ns}`,
    listenTlsCertFile: pki.server.cert,
    listenTlsKeyFile: pki.server.key,
    listenTlsClientCaFile: pki.ca,
    authToken: '${EP_HTTP_TOKEN}',
  }),
  sourceEndpoint: (options) => ({ host: '127.0.0.1', port: listenPort(options) }),
  env: { EP_HTTP_TOKEN: TOKEN, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint: Endpoint) => {
    const path = new URL(options.url ?? 'https://x/').pathname;
    return { ...options, url: `https://${endpoint.host}:${endpoint.port}${path}` };
  },
  plaintext: () => ({ host: '127.0.0.1', port: portOf(running().plain) }),
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return { ...plain, url: `http://127.0.0.1:${portOf(running().tls)}/` };
  },
  withWrongPassword: (options) => ({ ...options, authToken: 'not-the-token' }),
  enableTlsHint: /https:\/\/ URL/,
};

describe('http over TLS (a plain node:https peer with mutual TLS and a bearer token; the ingress with listenTls*)', () => {
  tlsCases(httpTarget);
});
