import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { TransportCheck } from '@edgeplane/adapter-loop/transport';
import { createTestPki, freePort, type TestPki } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
} from '../src/index.js';

/** `check()` against real peers: edgeplane's own ingress, a closed port, a silent server. */
let pki: TestPki;
const open: HttpTransport[] = [];
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
  options: HttpTransportOptions,
  role: 'ingress' | 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createHttpTransport(options);
  const checks = (await t.check?.({ role, signal: new AbortController().signal, timeoutMs })) ?? [];
  await t.close();
  const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
  expect(Object.keys(byName)).toHaveLength(checks.length);
  return byName;
}

async function ingress(options: Partial<HttpTransportOptions> = {}): Promise<HttpTransport> {
  const t = createHttpTransport({ listen: '127.0.0.1:0', path: '/in', ...options });
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

describe('http check(): ingress', () => {
  it('listen is bound and released (the port stays free); a taken port fails with the fix', async () => {
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
      detail: `[transport:http] cannot listen on 127.0.0.1:${busy}: the address is already in use`,
      fix: 'stop what holds that port, or choose another `listen` port',
    });
  });

  it('a missing listenTlsCertFile fails tls-files naming the option', async () => {
    const c = await check(
      {
        listen: '127.0.0.1:0',
        listenTlsCertFile: '/nonexistent/cert.pem',
        listenTlsKeyFile: pki.server.key,
      },
      'ingress',
    );
    expect(c['tls-files']?.status).toBe('fail');
    expect(c['tls-files']?.detail).toContain('listenTlsCertFile');
    expect(c.listen?.detail).toBe('127.0.0.1:0: a free port is picked at start');
  });
});

describe('http check(): egress', () => {
  it('against an edgeplane ingress: reachable, OPTIONS answered 204, the token accepted; nothing taken', async () => {
    const t = await ingress({ authToken: 'right-token' });
    const url = `http://127.0.0.1:${t.address?.port}/in`;
    const c = await check({ url, authToken: 'right-token' }, 'egress');
    expect(Object.keys(c)).toEqual(['reachable', 'request', 'credentials']);
    expect(c.reachable?.status).toBe('ok');
    expect(c.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ accepted a connection in [\d.]+ ms$/);
    expect(c.request).toMatchObject({ status: 'ok', detail: 'OPTIONS /in answered 204' });
    expect(c.credentials).toMatchObject({
      status: 'ok',
      detail: 'accepted (OPTIONS /in answered 204)',
    });
    expect(t.stats.acknowledged).toBe(0);
    expect((await t.lag()).lag).toBe(0);
    const wrong = await check({ url, authToken: 'wrong-token' }, 'egress');
    expect(wrong.credentials).toMatchObject({ status: 'fail' });
    expect(wrong.credentials?.detail).toContain('answered 403');
    expect(wrong.credentials?.fix).toContain('authToken');
    const none = await check({ url }, 'egress');
    expect(none.credentials?.detail).toContain('answered 401');
    expect(JSON.stringify([c, wrong])).not.toMatch(/right-token|wrong-token/);
  });

  it('a closed port: reachable fails with the fix, the rest is skipped', async () => {
    const port = await freePort();
    const c = await check({ url: `http://127.0.0.1:${port}/in` }, 'egress');
    expect(c.reachable).toMatchObject({
      status: 'fail',
      detail: `[transport:http] connect to 127.0.0.1:${port} (http): connection refused`,
      fix: 'start the receiving server there, or fix `url`',
    });
    expect(c.request?.status).toBe('skip');
    expect(c.credentials).toMatchObject({ status: 'skip', detail: 'not checked: not reachable' });
  });

  it('a server that accepts TCP and never answers: request fails within the budget', async () => {
    const port = await listen(createServer((s) => sockets.push(s)));
    const started = Date.now();
    const c = await check({ url: `http://127.0.0.1:${port}/in` }, 'egress', 800);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.reachable?.status).toBe('ok');
    expect(c.request).toMatchObject({ status: 'fail' });
    expect(c.request?.detail).toMatch(/^OPTIONS \/in: no answer within \d+ ms$/);
    expect(c.request?.fix).toContain('does not answer HTTP');
  });

  it('a 404 to OPTIONS warns about the path', async () => {
    const port = await listen(
      createHttpServer((_req, res) => res.writeHead(404).end()) as unknown as Server,
    );
    const c = await check({ url: `http://127.0.0.1:${port}/nope` }, 'egress');
    expect(c.request).toMatchObject({ status: 'warn', fix: 'check the path in `url`' });
    expect(c.credentials?.detail).toBe('none configured, none asked for');
  });

  it('TLS: a missing tlsCaFile fails tls-files naming it; with the CA, reachable shows the handshake', async () => {
    const missing = await check(
      { url: 'https://127.0.0.1:1/in', tlsCaFile: '/nonexistent/ca.pem' },
      'egress',
    );
    expect(missing['tls-files']?.status).toBe('fail');
    expect(missing['tls-files']?.detail).toContain('tlsCaFile');
    expect(missing.reachable?.status).toBe('skip');
    const t = await ingress({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
    });
    const url = `https://localhost:${t.address?.port}/in`;
    const c = await check({ url, tlsCaFile: pki.ca }, 'egress');
    expect(c['tls-files']?.status).toBe('ok');
    expect(c.reachable?.detail).toMatch(/\(TLS [\d.]+ ms, TLSv1\.3\)$/);
    expect(c.request?.detail).toBe('OPTIONS /in answered 204');
    const untrusted = await check({ url }, 'egress');
    expect(untrusted.reachable?.status).toBe('fail');
    expect(untrusted.reachable?.detail).toContain('option "tlsCaFile"');
    const plain = await check({ url: url.replace('https:', 'http:') }, 'egress');
    expect(plain.request?.status).toBe('fail');
    expect(plain.request?.detail).toContain('speaks TLS but this adapter connected in plaintext');
  });
});
