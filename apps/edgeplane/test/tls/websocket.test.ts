import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { freePort, type TestPki } from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { WebSocketServer } from 'ws';
import { type Options, type TlsTarget, tlsCases } from './harness.js';

/** The bearer token and the client key's passphrase reach the CLI only through the env. */
const TOKEN = 'ws-bearer-token-8d41c0';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()

/**
 * The independent peer (plain `ws` over node `https`, not the code under test): requires a
 * client certificate from the PKI's CA and the bearer token (401 before the handshake otherwise),
 * speaks edgeplane.v1 by acking every data frame. A plaintext twin serves `tlsProxy`.
 */
interface Peer {
  tlsPort: number;
  plainPort: number;
  sourcePort: number;
  servers: Server[];
}

let peer: Peer | undefined;
const running = (): Peer => {
  if (!peer) throw new Error('the WebSocket peer with TLS is not running');
  return peer;
};

function attachPeer(server: Server): void {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (p) => (p.has('edgeplane.v1') ? 'edgeplane.v1' : false),
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, binary) => {
        if (binary) ws.send(JSON.stringify({ ack: (data as Buffer).readUIntBE(1, 6) }));
      });
    });
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const websocketTarget: TlsTarget = {
  transport: 'websocket',
  async start(pki: TestPki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    const tls = createHttpsServer({
      cert: readFileSync(pki.server.cert),
      key: readFileSync(pki.server.key),
      ca: readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const plain = createHttpServer();
    attachPeer(tls);
    attachPeer(plain);
    peer = {
      tlsPort: await listen(tls),
      plainPort: await listen(plain),
      sourcePort: await freePort(),
      servers: [tls, plain],
    };
  },
  async stop() {
    for (const server of peer?.servers ?? []) {
      server.closeAllConnections();
      server.close();
    }
    peer = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (ns, pki) => ({
    url: `wss://127.0.0.1:${running().tlsPort}/${ns}`,
    authToken: '${EP_WS_TOKEN}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  // The edgeplane ingress listening with TLS, requiring a client certificate and the token.
  sourceOptions: (ns, pki) => ({
    listen: `127.0.0.1:${running().sourcePort}`,
    path: `/${ns}`,
    authToken: '${EP_WS_TOKEN}',
    listenTlsCertFile: pki.server.cert,
    listenTlsKeyFile: pki.server.key,
    listenTlsClientCaFile: pki.ca,
  }),
  sourceEndpoint: (options) => ({
    host: '127.0.0.1',
    port: Number(options.listen?.split(':')[1]),
  }),
  env: { EP_WS_TOKEN: TOKEN, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint) => {
    const path = new URL(options.url ?? 'wss://x/').pathname;
    return { ...options, url: `wss://${endpoint.host}:${endpoint.port}${path}` };
  },
  plaintext: () => ({ host: '127.0.0.1', port: running().plainPort }),
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return { ...plain, url: (options.url ?? '').replace(/^wss:/, 'ws:') };
  },
  withWrongPassword: (options) => ({ ...options, authToken: 'not-the-token' }),
  enableTlsHint: /wss:\/\/ URL/,
};

describe('websocket over TLS (edgeplane ingress and an independent ws peer, mutual TLS, bearer token)', () => {
  tlsCases(websocketTarget);
});
