import { type PrivateRedisTls, privateRedisTls } from '@edgeplane/test-servers';
import { describe } from 'vitest';
import { type Options, type TlsTarget, tlsCases } from './harness.js';

/** The ACL user's password and the client key's passphrase reach the CLI only through the env. */
const PASSWORD = 'redis-acl-pw-6f2b9c1e';
const PASSPHRASE = 'test-pki-passphrase'; // createTestPki()'s, checked in start()

let redis: PrivateRedisTls | undefined;
const running = (): PrivateRedisTls => {
  if (!redis) throw new Error('the private Redis with TLS is not running');
  return redis;
};

const redisTarget: TlsTarget = {
  transport: 'redis-streams',
  async start(pki) {
    if (pki.passphrase !== PASSPHRASE) throw new Error('the test PKI passphrase changed');
    redis = await privateRedisTls({ pki, user: 'edgeplane', password: PASSWORD });
  },
  async stop() {
    await redis?.server.dispose();
    redis = undefined;
  },
  // 127.0.0.1, not localhost: an IP host must not be sent as SNI (Node's DEP0123 warning).
  sinkOptions: (ns, pki) => ({
    url: running().tlsUrl,
    username: 'edgeplane',
    password: '${EP_REDIS_PASSWORD}',
    stream: ns,
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${EP_TLS_PASSPHRASE}',
  }),
  sourceOptions: (ns, pki) => ({
    ...redisTarget.sinkOptions(ns, pki),
    group: 'tls-test',
    startId: '0',
  }),
  env: { EP_REDIS_PASSWORD: PASSWORD, EP_TLS_PASSPHRASE: PASSPHRASE },
  at: (options, endpoint) => ({ ...options, url: `rediss://${endpoint.host}:${endpoint.port}` }),
  plaintext: () => ({ host: running().server.host, port: running().server.port }),
  withoutTls: (options: Options) => {
    const plain: Options = {};
    for (const [key, value] of Object.entries(options))
      if (!key.startsWith('tls')) plain[key] = value;
    return { ...plain, url: `redis://127.0.0.1:${running().tlsPort}` };
  },
  withWrongPassword: (options) => ({ ...options, password: 'not-the-password' }),
  enableTlsHint: /rediss:\/\/ URL or set tls=true/,
};

describe('redis-streams over TLS (private redis-server, mutual TLS, ACL user)', () => {
  tlsCases(redisTarget);
});
