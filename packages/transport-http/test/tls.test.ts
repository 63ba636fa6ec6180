import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport, type HttpTransport } from '../src/index.js';

/** The ingress over TLS (`listenTls*`, mutual TLS) against a plain `node:https` client, and its file checks. */
let pki: TestPki;
const open: HttpTransport[] = [];
beforeAll(async () => {
  pki = await createTestPki();
}, 60_000);
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

function post(port: number, client: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        ca: readFileSync(pki.ca),
        ...(client
          ? {
              cert: readFileSync(pki.client.cert),
              key: readFileSync(pki.clientKeyEncrypted),
              passphrase: pki.passphrase,
            }
          : {}),
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('over tls');
  });
}

describe('ingress over TLS', () => {
  it('serves HTTPS with the listener certificate and requires a client certificate from listenTlsClientCaFile', async () => {
    const t = createHttpTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
      listenTlsClientCaFile: pki.ca,
    });
    open.push(t);
    await t.open({ role: 'ingress' });
    const port = t.address?.port ?? 0;
    const controller = new AbortController();
    const reading = (async () => {
      for await (const batch of t.receive({ signal: controller.signal })) {
        expect(Buffer.from(batch.messages[0]?.body ?? []).toString()).toBe('over tls');
        await batch.ack();
        return;
      }
    })();
    expect(await post(port, true)).toBe(204);
    await reading;
    controller.abort();
    await expect(post(port, false)).rejects.toThrow();
  });

  it('a missing or non-PEM listener file is a tls error naming the option; a key without a certificate is invalid-config', async () => {
    const missing = createHttpTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: join(pki.dir, 'missing.pem'),
      listenTlsKeyFile: pki.server.key,
    });
    open.push(missing);
    await expect(missing.open({ role: 'ingress' })).rejects.toMatchObject({
      code: 'tls',
      message: expect.stringContaining('listenTlsCertFile'),
    });
    const notPem = createHttpTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.notPem,
    });
    open.push(notPem);
    await expect(notPem.open({ role: 'ingress' })).rejects.toMatchObject({ code: 'tls' });
    const half = createHttpTransport({ listen: '127.0.0.1:0', listenTlsKeyFile: pki.server.key });
    open.push(half);
    await expect(half.open({ role: 'ingress' })).rejects.toMatchObject({
      code: 'invalid-config',
      message: expect.stringContaining('listenTlsCertFile'),
    });
  });

  it('the egress over TLS with a client certificate reaches the TLS ingress (round trip)', async () => {
    const ingress = createHttpTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
      listenTlsClientCaFile: pki.ca,
      authToken: 'tok',
    });
    open.push(ingress);
    await ingress.open({ role: 'ingress' });
    const egress = createHttpTransport({
      url: `https://127.0.0.1:${ingress.address?.port}/`,
      authToken: 'tok',
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.clientKeyEncrypted,
      tlsKeyPassphrase: pki.passphrase,
    });
    open.push(egress);
    await egress.open({ role: 'egress' });
    const controller = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const batch of ingress.receive({ signal: controller.signal })) {
        got.push(...batch.messages.map((m) => Buffer.from(m.body).toString()));
        await batch.ack();
        if (got.length === 2) return;
      }
    })();
    const result = await egress.send([{ body: Buffer.from('one') }, { body: Buffer.from('two') }]);
    expect(result.status).toBe('ok');
    await reading;
    controller.abort();
    expect(got).toEqual(['one', 'two']);
  });
});
