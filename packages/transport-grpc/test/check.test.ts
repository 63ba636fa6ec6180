import { createServer, type Server, type Socket } from 'node:net';
import type { TransportCheck } from '@edgeplane/adapter-loop/transport';
import { createTestPki, freePort, type TestPki } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createGrpcTransport,
  type GrpcTransport,
  type GrpcTransportOptions,
} from '../src/index.js';

/** `check()` against real peers: edgeplane's own gRPC ingress, a closed port, a silent server. */
let pki: TestPki;
const open: GrpcTransport[] = [];
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
  options: GrpcTransportOptions,
  role: 'ingress' | 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createGrpcTransport(options);
  const checks = (await t.check?.({ role, signal: new AbortController().signal, timeoutMs })) ?? [];
  await t.close();
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

async function ingress(options: Partial<GrpcTransportOptions> = {}): Promise<GrpcTransport> {
  const t = createGrpcTransport({ listen: '127.0.0.1:0', ...options });
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

describe('grpc check(): ingress', () => {
  it('listen is bound and released; a taken port fails with the fix; a missing listenTlsKeyFile fails tls-files', async () => {
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
      detail: `[transport:grpc] cannot listen on 127.0.0.1:${busy}: the address is in use (EADDRINUSE)`,
      fix: 'stop the other server or pick another port in `listen`',
    });
    const tls = await check(
      {
        listen: '127.0.0.1:0',
        listenTlsCertFile: pki.server.cert,
        listenTlsKeyFile: '/nonexistent/key.pem',
      },
      'ingress',
    );
    expect(tls['tls-files']?.status).toBe('fail');
    expect(tls['tls-files']?.detail).toContain('listenTlsKeyFile');
  });
});

describe('grpc check(): egress', () => {
  it('against an edgeplane ingress: reachable, a call with no messages answered, the token accepted; nothing taken', async () => {
    const t = await ingress({ authToken: 'grpc-secret' });
    const url = `http://${t.listening}`;
    const c = await check({ url, authToken: 'grpc-secret' }, 'egress');
    expect(Object.keys(c)).toEqual(['reachable', 'call', 'credentials']);
    expect(c.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ accepted a connection in [\d.]+ ms$/);
    expect(c.call).toMatchObject({
      status: 'ok',
      detail: 'edgeplane.v1.IngestService/Ingest answered a call with no messages',
    });
    expect(c.credentials).toMatchObject({ status: 'ok', detail: 'authToken accepted' });
    expect(t.stats()).toMatchObject({ messagesAcked: 0, held: 0 });
    const wrong = await check({ url, authToken: 'not-it' }, 'egress');
    expect(wrong.credentials).toMatchObject({ status: 'fail' });
    expect(wrong.credentials?.detail).toContain('UNAUTHENTICATED');
    expect(wrong.credentials?.fix).toContain('authToken');
    expect(JSON.stringify([c, wrong])).not.toMatch(/grpc-secret|not-it/);
    const other = await check(
      { url, authToken: 'grpc-secret', method: 'x.v1.Other/Call' },
      'egress',
    );
    expect(other.call).toMatchObject({
      status: 'fail',
      fix: 'check `method` (package.Service/Method) and `url`',
    });
    expect(other.credentials?.status).toBe('skip');
  });

  it('a closed port: reachable fails with the fix, the rest is skipped', async () => {
    const port = await freePort();
    const c = await check({ url: `http://127.0.0.1:${port}` }, 'egress');
    expect(c.reachable).toMatchObject({
      status: 'fail',
      fix: 'start the gRPC server there (an edgeplane ingress with `listen=`), or fix `url`',
    });
    expect(c.reachable?.detail).toContain('connection refused (ECONNREFUSED)');
    expect(c.call).toMatchObject({ status: 'skip', detail: 'not checked: not reachable' });
  });

  it('a server that accepts TCP and never answers: the call fails within the budget', async () => {
    const port = await listen(createServer((s) => sockets.push(s)));
    const started = Date.now();
    const c = await check({ url: `http://127.0.0.1:${port}` }, 'egress', 800);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(c.reachable?.status).toBe('ok');
    expect(c.call).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^edgeplane\.v1\.IngestService\/Ingest: no answer within \d+ ms$/,
      ),
    });
    expect(c.credentials?.status).toBe('skip');
  });

  it('TLS: a missing tlsCaFile fails tls-files naming it; with the CA the handshake offers h2', async () => {
    const missing = await check(
      { url: 'https://127.0.0.1:1', tlsCaFile: '/nonexistent/ca.pem' },
      'egress',
    );
    expect(missing['tls-files']?.detail).toContain('tlsCaFile');
    expect(missing.reachable?.status).toBe('skip');
    const t = await ingress({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
    });
    const port = t.listening?.split(':').pop();
    const c = await check({ url: `https://localhost:${port}`, tlsCaFile: pki.ca }, 'egress');
    expect(c.reachable?.detail).toMatch(/\(TLS [\d.]+ ms, TLSv1\.3, ALPN h2\)$/);
    expect(c.call?.status).toBe('ok');
  });
});
