import { randomBytes } from 'node:crypto';
import { type PrivateKafka, privateKafka, type TestPki } from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Options, type TlsTarget, tlsCases } from './harness.js';

/**
 * Kafka over SASL_SSL: a private KRaft broker (its own free ports, never the shared test broker)
 * with a TLS listener presenting the test PKI's server certificate, requiring client
 * certificates, and SASL/PLAIN users; the plaintext SASL listener beside it is the target of
 * `tlsProxy` for the expired and wrong-host certificates.
 */
let server: PrivateKafka | undefined;
let passphrase = '';
const password = `sasl-${randomBytes(8).toString('hex')}`;

const broker = (): PrivateKafka => {
  if (!server) throw new Error('the private Kafka broker did not start (see beforeAll)');
  return server;
};

const target: TlsTarget = {
  transport: 'kafka',
  async start(pki: TestPki) {
    passphrase = pki.passphrase;
    server = await privateKafka({ saslUsers: { alice: password }, tls: { pki } });
  },
  async stop() {
    await server?.dispose();
  },
  sinkOptions: (ns, pki) => ({
    brokers: `127.0.0.1:${broker().tlsPort}`,
    topic: ns,
    tls: 'true',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${KAFKA_TLS_KEY_PASSPHRASE}',
    saslMechanism: 'plain',
    saslUsername: 'alice',
    saslPassword: '${KAFKA_SASL_PASSWORD}',
  }),
  sourceOptions: (ns, pki) => ({
    ...target.sinkOptions(ns, pki),
    groupId: `${ns}-group`,
    fromBeginning: 'true',
  }),
  get env() {
    return { KAFKA_SASL_PASSWORD: password, KAFKA_TLS_KEY_PASSPHRASE: passphrase };
  },
  at: (options, endpoint) => ({ ...options, brokers: `${endpoint.host}:${endpoint.port}` }),
  plaintext: () => ({ host: '127.0.0.1', port: broker().port }),
  withoutTls: (options) =>
    Object.fromEntries(
      Object.entries(options).filter(([k]) => k !== 'tls' && !k.startsWith('tls')),
    ) as Options,
  withWrongPassword: (options) => ({ ...options, saslPassword: 'not-the-sasl-password' }),
  enableTlsHint: /tls=true/,
};

describe('kafka over SASL_SSL with mutual TLS (private broker)', () => {
  tlsCases(target);
});
