import { createServer, type Server, type Socket } from 'node:net';
import type { TransportCheck } from '@edgeplane/adapter-loop/transport';
import { createTestPki, freePort, type TestPki } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebSocketTransport,
  type WebSocketTransport,
  type WebSocketTransportOptions,
} from '../src/index.js';

/** `check()` against real peers: edgeplane's own WebSocket ingress, a closed port, a silent server. */
let pki: TestPki;
const open: WebSocketTransport[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
beforeAll(async () => {
  pki = await createTestPki();
}, 60_000);
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

async function check(
  options: WebSocketTransportOptions,
  role: 'ingress' | 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createWebSocketTransport(options);
  const checks = (await t.check?.({ role, signal: new AbortController().signal, timeoutMs })) ?? [];
  await t.close();
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

async function ingress(
  options: Partial<WebSocketTransportOptions> = {},
): Promise<WebSocketTransport> {
  const t = createWebSocketTransport({ listen: '127.0.0.1:0', path: '/in', ...options });
  open.push(t);
  await t.open({ role: 'ingress' });
  return t;
}

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('websocket check(): listening ingress', () => {
  it('listen is bound and released; a taken port fails with the fix; a missing listenTlsCertFile fails tls-files', async () => {
    const port = await freePort();
    const c = await check({ listen: `127.0.0.1:${port}` }, 'ingress');
    expect(c.listen).toMatchObject({
      status: 'ok',
      detail: `127.0.0.1:${port} can be bound now (bound and released)`,
    });
    const busy = await listen(createServer());
    const taken = await check({ listen: `127.0.0.1:${busy}` }, 'ingress');
    expect(taken.listen).toMatchObject({
      status: 'fail',
      detail: `[transport:websocket] cannot listen on 127.0.0.1:${busy}: the address is already in use (EADDRINUSE)`,
      fix: 'stop what listens there, or choose another port in `listen`',
    });
    const tls = await check(
      {
        listen: '127.0.0.1:0',
        listenTlsCertFile: '/nonexistent/cert.pem',
        listenTlsKeyFile: pki.server.key,
      },
      'ingress',
    );
    expect(tls['tls-files']?.status).toBe('fail');
    expect(tls['tls-files']?.detail).toContain('listenTlsCertFile');
  });
});

describe('websocket check(): dialling side', () => {
  it('against an edgeplane ingress: reachable, upgraded with edgeplane.v1 and closed, the token accepted; nothing sent', async () => {
    const t = await ingress({ authToken: 'ws-secret' });
    const url = `ws://${t.stats().listening}/in`;
    const c = await check({ url, authToken: 'ws-secret' }, 'egress');
    expect(Object.keys(c)).toEqual(['reachable', 'upgrade', 'credentials']);
    expect(c.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ accepted a connection in [\d.]+ ms$/);
    expect(c.upgrade).toMatchObject({
      status: 'ok',
      detail: 'upgraded /in (subprotocol edgeplane.v1) and closed, no message sent',
    });
    expect(c.credentials).toMatchObject({ status: 'ok', detail: 'authToken accepted' });
    expect(t.stats()).toMatchObject({ connectionsTotal: 1, received: 0, held: 0 });
    const wrong = await check({ url, authToken: 'nope' }, 'egress');
    expect(wrong.credentials).toMatchObject({
      status: 'fail',
      fix: 'set `authToken` to the token the peer expects',
    });
    expect(wrong.upgrade?.status).toBe('skip');
    const plain = await check({ url, authToken: 'ws-secret', ackProtocol: 'none' }, 'egress');
    expect(plain.upgrade).toMatchObject({ status: 'fail' });
    expect(plain.upgrade?.fix).toContain('ackProtocol');
    expect(JSON.stringify([c, wrong, plain])).not.toContain('ws-secret');
    // a dialling ingress with ackProtocol=none is never upgraded
    const dialIn = await check({ url, ackProtocol: 'none' }, 'ingress');
    expect(dialIn.reachable?.status).toBe('ok');
    expect(dialIn.upgrade?.status).toBe('skip');
  });

  it('a closed port: reachable fails with the fix, the rest is skipped', async () => {
    const port = await freePort();
    const c = await check({ url: `ws://127.0.0.1:${port}/in` }, 'egress');
    expect(c.reachable).toMatchObject({
      status: 'fail',
      detail: `[transport:websocket] cannot connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
      fix: 'start the WebSocket ingress there, or fix `url`',
    });
    expect(c.upgrade?.status).toBe('skip');
  });

  it('a server that accepts TCP and never answers the upgrade: fails within the budget', async () => {
    const port = await listen(createServer((s) => sockets.push(s)));
    const started = Date.now();
    const c = await check({ url: `ws://127.0.0.1:${port}/in` }, 'egress', 800);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.reachable?.status).toBe('ok');
    expect(c.upgrade).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('--timeout-ms'),
    });
  });

  it('wss: a missing tlsCaFile fails tls-files naming it; with the CA the handshake and upgrade pass', async () => {
    const missing = await check(
      { url: 'wss://127.0.0.1:1/in', tlsCaFile: '/nonexistent/ca.pem' },
      'egress',
    );
    expect(missing['tls-files']?.detail).toContain('tlsCaFile');
    expect(missing.reachable?.status).toBe('skip');
    const t = await ingress({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
    });
    const port = t.stats().listening?.split(':').pop();
    const c = await check({ url: `wss://localhost:${port}/in`, tlsCaFile: pki.ca }, 'egress');
    expect(c.reachable?.detail).toMatch(/\(TLS [\d.]+ ms, TLSv1\.3\)$/);
    expect(c.upgrade?.status).toBe('ok');
  });
});
