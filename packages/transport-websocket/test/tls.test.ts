import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWebSocketTransport } from '../src/index.js';

// The listening side's TLS (`listenTls*`), which the CLI TLS cases use for the round trip only:
// mutual TLS refuses a client without a certificate from the CA, the egress gets through with
// one, and bad listener files fail open() naming the option.

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
}, 60_000);
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function tlsIngress(extra: Record<string, string> = {}) {
  const t = createWebSocketTransport({
    listen: '127.0.0.1:0',
    listenTlsCertFile: pki.server.cert,
    listenTlsKeyFile: pki.server.key,
    listenTlsClientCaFile: pki.ca,
    ...extra,
  });
  closers.push(() => t.close());
  await t.open({ role: 'ingress' });
  return t;
}

describe('listening with TLS', () => {
  it('mutual TLS: the egress with a client certificate gets through, a client without one is refused', async () => {
    const ingress = await tlsIngress();
    const address = ingress.stats().listening;
    const egress = createWebSocketTransport({
      url: `wss://${address}/`,
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.clientKeyEncrypted,
      tlsKeyPassphrase: pki.passphrase,
    });
    closers.push(() => egress.close());
    await egress.open({ role: 'egress' });
    const sending = egress.send([{ body: Buffer.from('over tls') }]);
    const controller = new AbortController();
    for await (const batch of ingress.receive({ signal: controller.signal })) {
      expect(Buffer.from(batch.messages[0]?.body ?? []).toString()).toBe('over tls');
      await batch.ack();
      break;
    }
    expect((await sending).status).toBe('ok');

    const anonymous = new WebSocket(`wss://${address}/`, ['edgeplane.v1'], {
      ca: readFileSync(pki.ca),
    });
    const [error] = (await Promise.race([
      once(anonymous, 'error'),
      once(anonymous, 'close').then(() => [new Error('closed')]),
    ])) as [Error];
    expect(error).toBeInstanceOf(Error);
    expect(anonymous.readyState).not.toBe(WebSocket.OPEN);
    anonymous.terminate();
  });

  it('the egress without a client certificate fails for good naming tlsCertFile', async () => {
    const ingress = await tlsIngress();
    const egress = createWebSocketTransport({
      url: `wss://${ingress.stats().listening}/`,
      tlsCaFile: pki.ca,
    });
    closers.push(() => egress.close());
    const error = (await egress.open({ role: 'egress' }).catch((e: unknown) => e)) as {
      code?: string;
      message: string;
    };
    expect(error.code).toBe('tls');
    expect(error.message).toContain('option "tlsCertFile"');
  });

  it('bad listener files fail open() naming the option', async () => {
    const missingKey = createWebSocketTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: `${pki.dir}/missing.pem`,
    });
    closers.push(() => missingKey.close());
    const error = (await missingKey.open({ role: 'ingress' }).catch((e: unknown) => e)) as {
      code?: string;
      message: string;
    };
    expect(error.code).toBe('tls');
    expect(error.message).toContain('listenTlsKeyFile');
    const notPem = createWebSocketTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: pki.notPem,
      listenTlsKeyFile: pki.server.key,
    });
    closers.push(() => notPem.close());
    const e2 = (await notPem.open({ role: 'ingress' }).catch((e: unknown) => e)) as {
      message: string;
    };
    expect(e2.message).toContain('not a PEM file');
  });
});
