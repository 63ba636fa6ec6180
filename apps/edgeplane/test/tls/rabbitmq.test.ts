import {
  createTestPki,
  type PrivateRabbitmqTls,
  privateRabbitmqTls,
  type TestPki,
} from '@edgeplane/test-servers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Endpoint,
  expectRefused,
  fileTo,
  type Options,
  type TlsTarget,
  tlsCases,
  toFile,
} from './harness.js';

const USER = 'edgeplane-tls';
const PASSWORD = `rmq-tls-password-${process.pid}`;
const WRONG_PASSWORD = `rmq-tls-wrong-${process.pid}`;
const PASSPHRASE = 'test-pki-passphrase';

let node: PrivateRabbitmqTls | undefined;

const started = (): PrivateRabbitmqTls => {
  if (!node) throw new Error('the private RabbitMQ node with TLS did not start (see beforeAll)');
  return node;
};
const tlsUrl = (endpoint: Endpoint) =>
  `rabbitmq-stream+tls://${USER}@${endpoint.host}:${endpoint.port}/`;

/**
 * One private RabbitMQ node for the file: a stream TLS listener that presents the test PKI's
 * server certificate and requires a client certificate, and a user with a password. The
 * transport reaches it as `rabbitmq-stream+tls://` with the CA, the client certificate and its
 * encrypted key; publisher and consumer connections go to the TLS port the broker advertises.
 */
const target: TlsTarget = {
  transport: 'rabbitmq-streams',
  async start(pki) {
    node = await privateRabbitmqTls({ pki, username: USER, password: PASSWORD });
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
  },
  async stop() {
    await node?.dispose();
  },
  sinkOptions: (ns, pki) => ({
    url: tlsUrl({ host: '127.0.0.1', port: started().tlsPort }),
    password: '${EP_RMQ_TLS_PASSWORD}',
    stream: ns,
    publisherRef: 'tls-writer',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_RMQ_TLS_PASSPHRASE}',
  }),
  sourceOptions(ns, pki) {
    const { publisherRef: _, ...rest } = this.sinkOptions(ns, pki);
    return { ...rest, consumerName: 'tls-reader', offset: 'first' };
  },
  env: {
    EP_RMQ_TLS_PASSWORD: PASSWORD,
    EP_RMQ_TLS_PASSPHRASE: PASSPHRASE,
    EP_RMQ_TLS_WRONG: WRONG_PASSWORD,
  },
  at: (options, endpoint) => ({ ...options, url: tlsUrl(endpoint) }),
  plaintext: () => ({ host: '127.0.0.1', port: started().port }),
  withoutTls(options) {
    const plain: Options = {};
    for (const [k, v] of Object.entries(options)) if (!k.startsWith('tls')) plain[k] = v;
    return {
      ...plain,
      url: `rabbitmq-stream://${USER}@127.0.0.1:${started().tlsPort}/`,
    };
  },
  withWrongPassword: (options) => ({ ...options, password: '${EP_RMQ_TLS_WRONG}' }),
  enableTlsHint: /rabbitmq-stream\+tls:\/\/.*tls=true/,
};

describe('rabbitmq-streams over TLS (private RabbitMQ node, mutual TLS, a user with a password)', () => {
  tlsCases(target);

  // Cases of this transport only (the node started by tlsCases is reused).
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  const ns = () => `ep-tls-rmq-extra-${process.pid}-${Date.now()}`;

  it('TLS spoken to the plaintext port: exit 2 naming "tls", not retried', async () => {
    const options = target.at(target.sinkOptions(ns(), pki), target.plaintext?.() as Endpoint);
    expectRefused(await fileTo(target, options, 'one\n'), target, {
      option: 'tls',
      message: /does not answer in TLS \(a plaintext port\?\)/,
    });
  }, 60_000);

  it('a tls* option while TLS is off: exit 2 naming it, before connecting', async () => {
    const options = { ...target.withoutTls(target.sinkOptions(ns(), pki)), tlsCaFile: pki.ca };
    expectRefused(await fileTo(target, options, 'one\n'), target, {
      option: 'tlsCaFile',
      message: /is set but TLS is off: use a `rabbitmq-stream\+tls:\/\/` url or set tls=true/,
    });
  }, 60_000);

  it('tls=true on a rabbitmq-stream:// url, tlsVerify=false without a CA: a round trip', async () => {
    const name = ns();
    const { url: _, tlsCaFile: _ca, ...rest } = target.sinkOptions(name, pki);
    const options: Options = {
      ...rest,
      url: `rabbitmq-stream://${USER}@127.0.0.1:${started().tlsPort}/`,
      tls: 'true',
      tlsVerify: 'false',
    };
    const write = await fileTo(target, options, 'a\nb\n');
    expect(write.code, write.stderr).toBe(0);
    const { publisherRef: _p, ...source } = options;
    const read = await toFile(target, { ...source, consumerName: 'verify-off' }, 2);
    expect(read.code, read.stderr).toBe(0);
    expect(read.out).toBe('a\nb\n');
    expect(read.stderr + write.stderr).not.toMatch(/Warning|DEP0/);
  }, 60_000);
});
