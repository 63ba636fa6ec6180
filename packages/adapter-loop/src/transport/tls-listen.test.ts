import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { isEdgeplaneError } from '@edgeplane/errors';
import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListenTlsOptions, listenTlsOptionFields, loadListenTls } from './tls-listen.js';

let pki: TestPki;
const servers: Server[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => {
  for (const s of servers) s.close();
});

const component = 'transport:test';

async function loadError(options: ListenTlsOptions) {
  try {
    await loadListenTls(options, component);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return error;
  }
  throw new Error('loadListenTls did not fail');
}

/** A real TLS listener built from what loadListenTls returned; resolves its port. */
async function serve(options: ListenTlsOptions): Promise<number> {
  const loaded = await loadListenTls(options, component);
  if (!loaded) throw new Error('TLS off');
  const server = createServer(loaded, (socket) => socket.end('hello\n'));
  server.on('tlsClientError', () => {});
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** Connects as a client (with or without a client certificate); resolves 'hello' or the error. */
function talk(port: number, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(pki.ca),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    });
    let data = '';
    socket.on('data', (b: Buffer) => {
      data += b.toString();
    });
    socket.once('error', (error) => resolve(`error: ${error.message}`));
    socket.once('close', () => resolve(data || 'closed without data'));
  });
}

describe('loadListenTls', () => {
  it('is off (undefined) without listenTlsCertFile', async () => {
    expect(await loadListenTls({}, component)).toBeUndefined();
  });

  it('serves TLS with the certificate and key; the client verifies it against the CA', async () => {
    const port = await serve({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
    });
    expect(await talk(port)).toBe('hello\n');
  });

  it('with listenTlsClientCaFile, a client without a certificate is refused and one with is served', async () => {
    const port = await serve({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
      listenTlsClientCaFile: pki.ca,
    });
    expect(await talk(port)).not.toBe('hello\n');
    expect(await talk(port, pki.clientOtherCa)).not.toBe('hello\n');
    expect(await talk(port, pki.client)).toBe('hello\n');
  });

  it('an encrypted listener key needs its passphrase, and the right one', async () => {
    const base = { listenTlsCertFile: pki.client.cert, listenTlsKeyFile: pki.clientKeyEncrypted };
    const none = await loadError(base);
    expect(none.code).toBe('tls');
    expect(none.details?.option).toBe('listenTlsKeyPassphrase');
    const wrong = await loadError({ ...base, listenTlsKeyPassphrase: 'not it' });
    expect(wrong.details?.option).toBe('listenTlsKeyPassphrase');
    expect(wrong.message).not.toContain('not it');
    const loaded = await loadListenTls(
      { ...base, listenTlsKeyPassphrase: pki.passphrase },
      component,
    );
    expect(loaded?.key).toMatch(/BEGIN PRIVATE KEY/);
  });

  it.each([
    [
      'a key that is not the certificate’s',
      () => ({ listenTlsCertFile: pki.server.cert, listenTlsKeyFile: pki.client.key }),
      'listenTlsKeyFile',
      /is not the key of/,
    ],
    [
      'an expired server certificate',
      () => ({
        listenTlsCertFile: pki.serverExpired.cert,
        listenTlsKeyFile: pki.serverExpired.key,
      }),
      'listenTlsCertFile',
      /server certificate .* expired/,
    ],
    [
      'a client CA file that is not PEM',
      () => ({
        listenTlsCertFile: pki.server.cert,
        listenTlsKeyFile: pki.server.key,
        listenTlsClientCaFile: pki.notPem,
      }),
      'listenTlsClientCaFile',
      /not a PEM file/,
    ],
    [
      'a missing certificate file',
      () => ({
        listenTlsCertFile: join(pki.dir, 'missing.pem'),
        listenTlsKeyFile: pki.server.key,
      }),
      'listenTlsCertFile',
      /does not exist/,
    ],
  ])('%s is a tls error naming the option', async (_name, options, option, message) => {
    const error = await loadError(options());
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.hint).toBeTruthy();
  });

  it.each([
    [{ listenTlsKeyFile: 'k.pem' }, 'listenTlsCertFile'],
    [{ listenTlsCertFile: 'c.pem' }, 'listenTlsKeyFile'],
    [{ listenTlsClientCaFile: 'ca.pem' }, 'listenTlsClientCaFile'],
    [{ listenTlsKeyPassphrase: 'x' }, 'listenTlsKeyPassphrase'],
  ] as const)('%o alone is invalid-config naming %s', async (options, option) => {
    const error = await loadError(options);
    expect(error.code).toBe('invalid-config');
    expect(error.details?.option).toBe(option);
  });

  it('the passphrase field is a secret (redacted wherever config is printed)', () => {
    expect(listenTlsOptionFields.listenTlsKeyPassphrase.meta()).toBeDefined();
    expect(
      listenTlsOptionFields.listenTlsKeyPassphrase.safeParse('x').success &&
        listenTlsOptionFields.listenTlsCertFile.safeParse('').success,
    ).toBe(false);
  });
});
