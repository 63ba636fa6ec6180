import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { isEdgeplaneError } from '@edgeplane/errors';
import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls, tlsConnectOptions } from './tls.js';
import { classifyTlsError, diagnoseTlsMismatch, probeTlsPort } from './tls-errors.js';
import type { TlsOptions } from './tls-options.js';

let pki: TestPki;
const servers: Server[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => {
  for (const s of servers) s.close();
});

const component = 'transport:test';

async function loadError(options: TlsOptions, enabled = true) {
  try {
    await loadTls(options, { component, enabled, enableHint: 'set tls=true' });
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return error;
  }
  throw new Error('loadTls did not fail');
}

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function tlsServer(cert: { cert: string; key: string }, ca?: string): Promise<number> {
  const server = createServer(
    {
      cert: readFileSync(cert.cert),
      key: readFileSync(cert.key),
      ...(ca ? { ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket: TLSSocket) => socket.end('hello\n'),
  );
  server.on('tlsClientError', () => {});
  return listen(server);
}

/** Connects with the options `loadTls` produced; resolves with the error, or undefined. */
async function handshake(port: number, options: TlsOptions): Promise<unknown> {
  const loaded = await loadTls({ tls: true, ...options }, { component });
  if (!loaded) throw new Error('TLS off');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...tlsConnectOptions(loaded, '127.0.0.1') });
    socket.once('error', (error) => resolve(error));
    socket.once('close', () => resolve(new Error('closed without data')));
    socket.once('data', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

describe('loadTls', () => {
  it('refuses a tls* option while TLS is off, naming it and how to turn TLS on', async () => {
    const error = await loadError({ tlsCaFile: pki.ca }, false);
    expect(error.code).toBe('invalid-config');
    expect(error.details?.option).toBe('tlsCaFile');
    expect(error.hint).toBe('set tls=true');
  });

  it('is undefined when TLS is off and nothing is set', async () => {
    expect(await loadTls({}, { component })).toBeUndefined();
  });

  it.each([
    [
      'a missing file',
      () => ({ tlsCaFile: `${pki.dir}/missing.pem` }),
      'tlsCaFile',
      /does not exist/,
    ],
    ['a device', () => ({ tlsCaFile: '/dev/zero' }), 'tlsCaFile', /not a regular file/],
    ['a directory', () => ({ tlsCaFile: pki.dir }), 'tlsCaFile', /directory/],
    ['a file that is not PEM', () => ({ tlsCaFile: pki.notPem }), 'tlsCaFile', /not a PEM file/],
    ['a key as CA', () => ({ tlsCaFile: pki.client.key }), 'tlsCaFile', /no certificate/],
    [
      'a key that is not the certificate’s',
      () => ({ tlsCertFile: pki.client.cert, tlsKeyFile: pki.server.key }),
      'tlsKeyFile',
      /is not the key of/,
    ],
    [
      'an encrypted key without passphrase',
      () => ({ tlsCertFile: pki.client.cert, tlsKeyFile: pki.clientKeyEncrypted }),
      'tlsKeyPassphrase',
      /encrypted/,
    ],
    [
      'a wrong passphrase',
      () => ({
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.clientKeyEncrypted,
        tlsKeyPassphrase: 'not-it',
      }),
      'tlsKeyPassphrase',
      /does not decrypt/,
    ],
    [
      'an expired client certificate',
      () => ({ tlsCertFile: pki.clientExpired.cert, tlsKeyFile: pki.clientExpired.key }),
      'tlsCertFile',
      /expired/,
    ],
  ])('%s is a tls error naming the option', async (_name, options, option, message) => {
    const error = await loadError(options());
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('test-pki-passphrase');
  });

  it('refuses a passphrase for a key that is not encrypted', async () => {
    const plainKey = await loadError({
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
      tlsKeyPassphrase: 'not-needed',
    });
    expect(plainKey.code).toBe('invalid-config');
    expect(plainKey.details?.option).toBe('tlsKeyPassphrase');
  });

  it('refuses a certificate without its key', async () => {
    const error = await loadError({ tlsCertFile: pki.client.cert });
    expect(error.code).toBe('invalid-config');
    expect(error.details?.option).toBe('tlsKeyFile');
  });

  it('decrypts a key with the right passphrase', async () => {
    const loaded = await loadTls(
      {
        tls: true,
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.clientKeyEncrypted,
        tlsKeyPassphrase: pki.passphrase,
      },
      { component },
    );
    expect(loaded?.key).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('never sends an IP address as SNI, and sends a host name or the configured name', () => {
    const loaded = { rejectUnauthorized: true };
    expect(tlsConnectOptions(loaded, '127.0.0.1').servername).toBeUndefined();
    expect(tlsConnectOptions(loaded, 'localhost').servername).toBe('localhost');
    expect(tlsConnectOptions({ ...loaded, servername: 'a.example' }, '127.0.0.1').servername).toBe(
      'a.example',
    );
  });
});

describe('classifyTlsError, on real handshakes', () => {
  it('connects with the CA, and the same server is untrusted without it', async () => {
    const port = await tlsServer(pki.server);
    expect(await handshake(port, { tlsCaFile: pki.ca })).toBeUndefined();
    const error = classifyTlsError(await handshake(port, {}), {
      component,
      server: `127.0.0.1:${port}`,
    });
    expect(error?.code).toBe('tls');
    expect(error?.details?.option).toBe('tlsCaFile');
    expect(error?.message).toContain(`127.0.0.1:${port}`);
  });

  it('tlsVerify=false applies to this connection only', async () => {
    const port = await tlsServer(pki.serverOtherCa);
    expect(await handshake(port, { tlsVerify: false })).toBeUndefined();
    expect(await handshake(port, { tlsCaFile: pki.ca })).toBeDefined();
  });

  it.each([
    ['another CA', () => pki.serverOtherCa, {}, 'tlsCaFile', /not signed by a trusted CA/],
    ['an expired certificate', () => pki.serverExpired, {}, 'tlsCaFile', /expired/],
    [
      'another host',
      () => pki.serverWrongHost,
      {},
      'tlsServerName',
      /not issued for "127.0.0.1" \(it names wrong-host.invalid\)/,
    ],
    [
      'a wrong tlsServerName',
      () => pki.server,
      { tlsServerName: 'other.example' },
      'tlsServerName',
      /not issued for "other.example" \(it names localhost, 127\.0\.0\.1\)/,
    ],
  ])('a server with %s', async (_name, cert, extra, option, message) => {
    const port = await tlsServer(cert());
    const error = classifyTlsError(await handshake(port, { tlsCaFile: pki.ca, ...extra }), {
      component,
    });
    expect(error?.code).toBe('tls');
    expect(error?.details?.option).toBe(option);
    expect(error?.message).toMatch(message);
  });

  it('a server that requires a client certificate', async () => {
    const port = await tlsServer(pki.server, pki.ca);
    const error = classifyTlsError(await handshake(port, { tlsCaFile: pki.ca }), { component });
    expect(error?.details?.option).toBe('tlsCertFile');
    expect(
      await handshake(port, {
        tlsCaFile: pki.ca,
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.client.key,
      }),
    ).toBeUndefined();
    // A client certificate from another CA: Node's own server closes after the handshake without
    // an alert, so only the real servers' tests (which send one) can check its classification.
  });

  it('TLS spoken to a plaintext port, and probeTlsPort', async () => {
    const plain = await listen(createNetServer((s) => s.end('-ERR unknown command\r\n')));
    const error = classifyTlsError(await handshake(plain, { tlsCaFile: pki.ca }), { component });
    expect(error?.details?.option).toBe('tls');
    expect(await probeTlsPort('127.0.0.1', plain)).toBe(false);
    expect(await probeTlsPort('127.0.0.1', await tlsServer(pki.server))).toBe(true);
    expect(await probeTlsPort('127.0.0.1', await tlsServer(pki.server, pki.ca))).toBe(true);
  });

  it('diagnoseTlsMismatch: TLS to a plaintext port, plaintext to a TLS port, and neither', async () => {
    const plain = await listen(createNetServer((s) => s.destroy()));
    const secure = await tlsServer(pki.server);
    const hints = { component, enableHint: 'turn it on', disableHint: 'turn it off' };
    const toPlain = await diagnoseTlsMismatch('127.0.0.1', plain, { ...hints, tls: true });
    expect(toPlain?.code).toBe('tls');
    expect(toPlain?.hint).toBe('turn it off');
    const toSecure = await diagnoseTlsMismatch('127.0.0.1', secure, { ...hints, tls: false });
    expect(toSecure?.hint).toBe('turn it on');
    expect(await diagnoseTlsMismatch('127.0.0.1', secure, { ...hints, tls: true })).toBeUndefined();
    expect(await diagnoseTlsMismatch('127.0.0.1', plain, { ...hints, tls: false })).toBeUndefined();
    const closed = await listen(createNetServer());
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await diagnoseTlsMismatch('127.0.0.1', closed, { ...hints, tls: true })).toBeUndefined();
  });

  it('knows the alerts under their OpenSSL 3.2+ names ("ssl/tls alert", Node 22+) too', () => {
    const alert = Object.assign(
      new Error('error:0A000412:SSL routines::ssl/tls alert bad certificate'),
      { code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE' },
    );
    const error = classifyTlsError(new Error('Connection error', { cause: alert }), { component });
    expect(error?.details).toMatchObject({
      option: 'tlsCertFile',
      tls_code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
    });
    const textOnly = classifyTlsError(new Error(alert.message), { component });
    expect(textOnly?.details?.option).toBe('tlsCertFile');
  });

  it('is undefined for an error that is not about TLS', () => {
    // an error code that names an Object member is not a TLS problem
    expect(
      classifyTlsError(Object.assign(new Error('x'), { code: 'constructor' }), { component }),
    ).toBeUndefined();
    expect(
      classifyTlsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), {
        component,
      }),
    ).toBeUndefined();
  });

  it('knows the OpenSSL 3 alert names (a client certificate refused after a TLS 1.3 handshake)', () => {
    // Node 24 reports the alert of a server refusing the client certificate this way.
    const alert = Object.assign(new Error('ssl/tls alert bad certificate'), {
      code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
    });
    expect(classifyTlsError(alert, { component })).toMatchObject({
      code: 'tls',
      details: { option: 'tlsCertFile', tls_code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE' },
    });
  });
});
