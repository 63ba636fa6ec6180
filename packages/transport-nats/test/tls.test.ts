import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type DisposablePrivateServer,
  natsTlsConfig,
  privateNatsTls,
  type TestPki,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsTransport, type NatsTransport } from '../src/index.js';

// TLS on a private nats-server of this file's own (mutual TLS); the CLI cases are in
// apps/edgeplane/test/tls/nats.test.ts.
let pki: TestPki;
let server: DisposablePrivateServer;
const opened: NatsTransport[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  server = await privateNatsTls({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca });
}, 60_000);
afterAll(async () => {
  for (const t of opened) await t.close();
  await server?.dispose();
});

describe('nats over TLS, mid-run', () => {
  it('a certificate that turns bad on a reconnect fails the connection (tls), no endless retry', async () => {
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const t = createNatsTransport({
      servers: server.url,
      tls: true,
      mode: 'core',
      subject: 'tls.mid',
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
      reconnectTimeWaitMs: 200,
    });
    opened.push(t);
    await t.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
    expect((await t.send([{ headers: {}, body: Buffer.from('x') }])).status).toBe('ok');
    // The server comes back on the same port with an expired certificate.
    await server.stop();
    await server.start([
      '-c',
      natsTlsConfig({ cert: pki.serverExpired.cert, key: pki.serverExpired.key, ca: pki.ca }),
    ]);
    const started = Date.now();
    while (!states.some(([s]) => s === 'failed') && Date.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 100));
    const failed = states.find(([s]) => s === 'failed');
    expect(failed?.[1]?.code).toBe('tls');
    expect(failed?.[1]?.message).toMatch(/certificate has expired.*option "tlsCaFile"/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const result = await t.send([{ headers: {}, body: Buffer.from('y') }]);
    expect(result.status).toBe('failed');
  }, 60_000);
});
