import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type PrivateRedisTls,
  privateRedisTls,
  type TestPki,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStreamsTransport, type RedisStreamsTransport } from '../src/index.js';

// The same private server as the CLI TLS cases (apps/edgeplane/test/tls/redis.test.ts): mutual TLS
// required, `default` user off, one ACL user. Here: what those cases do not reach.
const PASSWORD = 'acl-pw:with@odd/chars';
let pki: TestPki;
let redis: PrivateRedisTls;
const opened: RedisStreamsTransport[] = [];

const tlsFiles = () => ({
  tlsCaFile: pki.ca,
  tlsCertFile: pki.client.cert,
  tlsKeyFile: pki.client.key,
});
const create = (options: Parameters<typeof createRedisStreamsTransport>[0]) => {
  const t = createRedisStreamsTransport(options);
  opened.push(t);
  return t;
};
const at = (credentials: string) => `rediss://${credentials}127.0.0.1:${redis.tlsPort}`;

beforeAll(async () => {
  pki = await createTestPki();
  redis = await privateRedisTls({ pki, password: PASSWORD });
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await redis?.server.dispose();
});

describe('ACL user over TLS', () => {
  it('credentials inside a rediss:// URL are used (percent-decoded)', async () => {
    const stream = `ep-tls-url-${Date.now()}`;
    const t = create({
      url: at(`${redis.user}:${encodeURIComponent(PASSWORD)}@`),
      stream,
      ...tlsFiles(),
    });
    await t.open({ role: 'egress' });
    const body = new TextEncoder().encode('over tls');
    expect(await t.send([{ headers: {}, body }])).toEqual({ status: 'ok' });
  });

  it('a wrong password in the URL is `unauthenticated`, not ignored', async () => {
    const t = create({ url: at(`${redis.user}:nope@`), stream: 's', ...tlsFiles() });
    const error = (await t.open({ role: 'egress' }).catch((e: unknown) => e)) as EdgeplaneError;
    expect(error.code).toBe('unauthenticated');
    expect(error.message).not.toContain('nope');
  });

  it('TLS spoken to the plaintext port is a `tls` error naming `tls`, not a timeout', async () => {
    const t = create({
      url: `rediss://${redis.user}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.server.port}`,
      stream: 's',
      connectTimeoutMs: 1500,
      ...tlsFiles(),
    });
    const error = (await t.open({ role: 'egress' }).catch((e: unknown) => e)) as EdgeplaneError;
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe('tls');
    expect(error.message).toMatch(/answers Redis in plaintext/);
  });

  it('without credentials the server refuses (the default user is off)', async () => {
    const t = create({ url: at(''), stream: 's', ...tlsFiles() });
    const error = (await t.open({ role: 'egress' }).catch((e: unknown) => e)) as EdgeplaneError;
    expect(error.code).toBe('unauthenticated');
  });
});

describe('TLS switches', () => {
  it('tls=true with a redis:// URL speaks TLS; tlsVerify=false (this adapter only) skips the CA', async () => {
    const unverified = create({
      url: `redis://127.0.0.1:${redis.tlsPort}`,
      tls: true,
      tlsVerify: false,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
      username: redis.user,
      password: PASSWORD,
      stream: `ep-tls-noverify-${Date.now()}`,
    });
    await unverified.open({ role: 'egress' });
    // The same process, another adapter without tlsVerify=false: still verifies (nothing global).
    const verified = create({
      url: `redis://127.0.0.1:${redis.tlsPort}`,
      tls: true,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
      username: redis.user,
      password: PASSWORD,
      stream: 's',
    });
    const error = (await verified
      .open({ role: 'egress' })
      .catch((e: unknown) => e)) as EdgeplaneError;
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe('tlsCaFile');
  });
});

describe('a TLS failure on a reconnect mid-run', () => {
  it('is reported as `failed` with a `tls` error, and sends fail for good', async () => {
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const t = create({
      url: at(''),
      username: redis.user,
      password: PASSWORD,
      stream: `ep-tls-mid-${Date.now()}`,
      ...tlsFiles(),
    });
    await t.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
    // The server comes back presenting an expired certificate (later flags win in redis-server).
    await redis.server.stop();
    await redis.server.start([
      '--tls-cert-file',
      pki.serverExpired.cert,
      '--tls-key-file',
      pki.serverExpired.key,
    ]);
    const deadline = Date.now() + 10_000;
    while (!states.some(([s]) => s === 'failed') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const failed = states.find(([s]) => s === 'failed');
    expect(failed?.[1]?.code).toBe('tls');
    expect(failed?.[1]?.message).toContain('expired');
    const body = new TextEncoder().encode('x');
    const result = await t.send([{ headers: {}, body }]);
    expect(result.status).toBe('failed');
  });
});
