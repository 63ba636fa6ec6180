import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer } from 'node:tls';
import { createTestPki, freePort, type TestPki } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDialTls, checkListenTls, probeConnect, probeListen } from './probes.js';
import { loadTls, tlsConnectOptions } from './tls.js';

let pki: TestPki;
const servers: Server[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => {
  for (const s of servers) s.close();
});

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

const component = 'transport:test';

describe('probeListen', () => {
  it('binds and releases a free port, and fails a taken one with EADDRINUSE', async () => {
    const port = await freePort();
    expect(await probeListen('127.0.0.1', port)).toBe(port);
    expect(await probeListen('127.0.0.1', port)).toBe(port); // released: bindable again
    const taken = await listen(createTcpServer());
    await expect(probeListen('127.0.0.1', taken)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('probeConnect', () => {
  it('measures a TCP connection and sends nothing', async () => {
    const received: Buffer[] = [];
    const port = await listen(createTcpServer((s) => s.on('data', (d) => received.push(d))));
    const t = await probeConnect('127.0.0.1', port, { timeoutMs: 2000 });
    expect(t.tcpMs).toBeGreaterThanOrEqual(0);
    expect(t.tlsMs).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([]);
  });

  it('a closed port: ECONNREFUSED; a server that never answers TLS: ETIMEDOUT within the deadline', async () => {
    const closed = await freePort();
    await expect(probeConnect('127.0.0.1', closed, { timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const silent = await listen(createTcpServer(() => {}));
    const started = Date.now();
    await expect(
      probeConnect('127.0.0.1', silent, { timeoutMs: 300, tls: { rejectUnauthorized: true } }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('makes the TLS handshake, and reports an untrusted server certificate by its OpenSSL code', async () => {
    const server = createServer({
      cert: readFileSync(pki.server.cert),
      key: readFileSync(pki.server.key),
    });
    const port = await listen(server);
    const trusted = await loadTls({ tls: true, tlsCaFile: pki.ca }, { component });
    const t = await probeConnect('127.0.0.1', port, {
      timeoutMs: 3000,
      tls: tlsConnectOptions(trusted ?? { rejectUnauthorized: true }, 'localhost'),
    });
    expect(t.tlsMs).toBeGreaterThan(0);
    expect(t.tlsVersion).toBe('TLSv1.3');
    await expect(
      probeConnect('127.0.0.1', port, {
        timeoutMs: 3000,
        tls: { rejectUnauthorized: true, servername: 'localhost' },
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
  });
});

describe('checkListenTls / checkDialTls', () => {
  it('ok with the certificate end date; fail naming the option of a missing file; nothing when TLS is off', async () => {
    const ok = await checkListenTls(
      { listenTlsCertFile: pki.server.cert, listenTlsKeyFile: pki.server.key },
      component,
    );
    expect(ok).toMatchObject({ name: 'tls-files', status: 'ok' });
    expect(ok?.detail).toMatch(
      /^listenTlsCertFile, listenTlsKeyFile read and checked \(certificate valid until \d{4}-\d\d-\d\d\)$/,
    );
    const missing = await checkListenTls(
      { listenTlsCertFile: '/nonexistent/cert.pem', listenTlsKeyFile: pki.server.key },
      component,
    );
    expect(missing).toMatchObject({ name: 'tls-files', status: 'fail' });
    expect(missing?.detail).toContain('listenTlsCertFile');
    expect(await checkListenTls({}, component)).toBeUndefined();
    expect(await checkDialTls({}, { component })).toEqual({});
    const dial = await checkDialTls({ tls: true, tlsCaFile: '/nonexistent/ca.pem' }, { component });
    expect(dial.loaded).toBeUndefined();
    expect(dial.check).toMatchObject({ name: 'tls-files', status: 'fail' });
    expect(dial.check?.detail).toContain('tlsCaFile');
    const noVerify = await checkDialTls({ tls: true, tlsVerify: false }, { component });
    expect(noVerify.check).toMatchObject({ status: 'warn' });
  });
});
