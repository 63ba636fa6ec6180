import {
  type PostgresTlsFront,
  type PrivatePostgres,
  postgresTlsFront,
  privatePostgres,
} from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Options, type TlsTarget, tlsCases } from './harness.js';

/** The role's password and the client key's passphrase reach the CLI only through the env. */
const PASSWORD = 'pg-scram-pw-4d7e1a9b';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()

let pg: PrivatePostgres | undefined;
const fronts: PostgresTlsFront[] = [];
const running = (): PrivatePostgres => {
  if (!pg) throw new Error('the private PostgreSQL with TLS is not running');
  return pg;
};
const urlAt = (host: string, port: number) => `postgres://edgeplane@${host}:${port}/edgeplane`;

const postgresTarget: TlsTarget = {
  transport: 'postgres',
  async start(pki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    // initdb + pg_ctl as the `postgres` OS user: ssl=on with the PKI's server certificate,
    // `hostssl … scram-sha-256 clientcert=verify-ca`, plaintext rejected.
    pg = await privatePostgres({ pki, user: 'edgeplane', password: PASSWORD });
  },
  async stop() {
    for (const front of fronts.splice(0)) await front.close();
    await pg?.dispose();
    pg = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (ns, pki) => ({
    url: urlAt('127.0.0.1', running().port),
    password: '${EP_PG_PASSWORD}',
    table: ns,
    createTable: 'true',
    tls: 'true',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  sourceOptions: (ns, pki) => postgresTarget.sinkOptions(ns, pki),
  env: { EP_PG_PASSWORD: PASSWORD, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint) => ({ ...options, url: urlAt(endpoint.host, endpoint.port) }),
  // PostgreSQL negotiates TLS inside its protocol (SSLRequest), so a plain TLS proxy cannot
  // stand in for it: this front answers the SSLRequest, then presents the chosen certificate.
  async serve(cert) {
    const front = await postgresTlsFront({
      target: { host: '127.0.0.1', port: running().port },
      cert: cert.cert,
      key: cert.key,
    });
    fronts.push(front);
    return front;
  },
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return plain;
  },
  withWrongPassword: (options) => ({ ...options, password: 'not-the-password' }),
  enableTlsHint: /tls=true/,
};

describe('postgres over TLS (private PostgreSQL cluster, mutual TLS, SCRAM password)', () => {
  tlsCases(postgresTarget);
});
