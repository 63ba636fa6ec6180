import {
  type PrivateS3Proxy,
  startS3Proxy,
  type TlsProxy,
  tlsProxy,
} from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Options, type TlsTarget, tlsCases } from './harness.js';

/**
 * S3Proxy runs in plaintext with signatures checked; a `tlsProxy` with the test PKI's server
 * certificate, asking for client certificates, is the TLS endpoint. (s3rver is not used here:
 * it accepts any secret key, so "a wrong password" could not fail there.)
 */
const SECRET = 's3-secret-key-3c9d7a21';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()
const BUCKET = 'edgeplane-tls';

let s3: PrivateS3Proxy | undefined;
let front: TlsProxy | undefined;
const running = (): { s3: PrivateS3Proxy; front: TlsProxy } => {
  if (!s3 || !front) throw new Error('the private S3Proxy with its TLS proxy is not running');
  return { s3, front };
};

const s3Target: TlsTarget = {
  transport: 's3',
  async start(pki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    s3 = await startS3Proxy({
      accessKeyId: 'edgeplane',
      secretAccessKey: SECRET,
      buckets: [BUCKET],
    });
    front = await tlsProxy({
      target: { host: s3.host, port: s3.port },
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca,
    });
  },
  async stop() {
    await front?.close();
    await s3?.stop();
    front = undefined;
    s3 = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (ns, pki) => ({
    endpoint: `https://127.0.0.1:${running().front.port}`,
    forcePathStyle: 'true',
    bucket: BUCKET,
    prefix: `${ns}/`,
    accessKeyId: 'edgeplane',
    secretAccessKey: '${EP_S3_SECRET}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  sourceOptions: (ns, pki) => s3Target.sinkOptions(ns, pki),
  env: { EP_S3_SECRET: SECRET, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint) => ({
    ...options,
    endpoint: `https://${endpoint.host}:${endpoint.port}`,
  }),
  plaintext: () => ({ host: running().s3.host, port: running().s3.port }),
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return { ...plain, endpoint: `http://127.0.0.1:${running().front.port}` };
  },
  withWrongPassword: (options) => ({ ...options, secretAccessKey: 'not-the-secret-key' }),
  enableTlsHint: /https:\/\/ endpoint/,
};

describe('s3 over TLS (private S3Proxy behind a TLS proxy, mutual TLS, signatures checked)', () => {
  tlsCases(s3Target);
});
