import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestPki,
  type DisposablePrivateServer,
  privateNatsTls,
  type TestPki,
} from '@edgeplane/test-servers';
import { nkeys } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTo, type Options, type TlsTarget, tlsCases, toFile } from './harness.js';

const USER = 'edgeplane';
const env: Record<string, string> = {
  NATS_TLS_PASSWORD: `pw-${randomBytes(9).toString('hex')}`,
};
let server: DisposablePrivateServer | undefined;
const others: DisposablePrivateServer[] = [];
const nkey = nkeys.createUser();
let currentPki: TestPki | undefined;

const TLS_KEYS = /^tls/;
const hostPort = (url: string) => url.replace(/^[a-z]+:\/\//, '');

const target: TlsTarget = {
  transport: 'nats',
  env,
  async start(pki) {
    currentPki = pki;
    env.NATS_TLS_KEY_PASSPHRASE = pki.passphrase;
    server = await privateNatsTls({
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca,
      users: [{ user: USER, password: env.NATS_TLS_PASSWORD as string }],
      nkeys: [nkey.getPublicKey()],
    });
  },
  async stop() {
    for (const s of [...others, ...(server ? [server] : [])]) await s.dispose();
  },
  // The sink turns TLS on by its URL scheme, the source by `tls=true`: both ways are tested.
  sinkOptions: (ns, pki) => ({
    servers: `tls://${hostPort(server?.url ?? '')}`,
    stream: ns,
    subject: ns,
    createStream: 'true',
    user: USER,
    password: '${NATS_TLS_PASSWORD}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${NATS_TLS_KEY_PASSPHRASE}',
  }),
  sourceOptions: (ns, pki) => ({
    servers: server?.url ?? '',
    tls: 'true',
    stream: ns,
    subject: ns,
    durable: 'reader',
    createConsumer: 'true',
    user: USER,
    password: '${NATS_TLS_PASSWORD}',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.clientKeyEncrypted,
    tlsKeyPassphrase: '${NATS_TLS_KEY_PASSPHRASE}',
  }),
  at: (options, endpoint) => ({ ...options, servers: `tls://${endpoint.host}:${endpoint.port}` }),
  // NATS greets in plaintext and upgrades: a TLS proxy cannot stand in, another server can.
  async serve(cert) {
    const pki = currentPki;
    if (!pki) throw new Error('no PKI');
    const other = await privateNatsTls({
      cert: cert.cert,
      key: cert.key,
      ca: pki.ca,
      users: [{ user: USER, password: env.NATS_TLS_PASSWORD as string }],
    });
    others.push(other);
    return { host: other.host, port: other.port };
  },
  withoutTls: (options) => ({
    ...Object.fromEntries(Object.entries(options).filter(([k]) => !TLS_KEYS.test(k))),
    servers: `nats://${hostPort(options.servers ?? '')}`,
  }),
  withWrongPassword: (options) => ({ ...options, password: 'not-the-password' }),
  enableTlsHint: /tls=true|tls:\/\//,
};

describe('nats over TLS (private nats-server, mutual TLS, users)', () => {
  tlsCases(target);
});

describe('nats authentication over TLS', () => {
  let pki: TestPki;
  let own: DisposablePrivateServer;
  beforeAll(async () => {
    pki = await createTestPki();
    own = await privateNatsTls({
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca,
      users: [{ user: USER, password: env.NATS_TLS_PASSWORD as string }],
      nkeys: [nkey.getPublicKey()],
    });
  }, 120_000);
  afterAll(async () => {
    await own?.dispose();
  });

  const tls = (): Options => ({
    tls: 'true',
    tlsCaFile: pki.ca,
    tlsCertFile: pki.client.cert,
    tlsKeyFile: pki.client.key,
  });
  const ns = () => `ep-auth-${process.pid}-${Date.now()}`;

  it('an nkey user (nkeySeedFile) writes and reads; the seed is never printed', async () => {
    const seedFile = join(pki.dir, 'user.nk');
    const seed = new TextDecoder().decode(nkey.getSeed());
    writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 });
    const name = ns();
    const options = { servers: own.url, stream: name, subject: name, nkeySeedFile: seedFile };
    const write = await fileTo(target, { ...options, createStream: 'true', ...tls() }, 'a\nb\n');
    expect(write.code, write.stderr).toBe(0);
    const read = await toFile(
      target,
      { ...options, durable: 'r', createConsumer: 'true', ...tls() },
      2,
    );
    expect(read.code, read.stderr).toBe(0);
    expect(read.out).toBe('a\nb\n');
    for (const run of [write, read]) expect(run.stdout + run.stderr).not.toContain(seed);
  }, 60_000);

  it('a seed file that holds no seed is refused at start (exit 2, option named, content not printed)', async () => {
    const bad = join(pki.dir, 'bad.nk');
    writeFileSync(bad, 'SUNOTASEEDBUTSECRETLOOKING\n');
    const name = ns();
    const run = await fileTo(
      target,
      { servers: own.url, stream: name, subject: name, nkeySeedFile: bad, ...tls() },
      'x\n',
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('"nkeySeedFile"');
    expect(run.stderr).toContain('holds no valid user nkey seed');
    expect(run.stderr).not.toContain('SECRETLOOKING');
  }, 60_000);

  it('credentials inside the URL are used (user:password@host), and never printed', async () => {
    const name = ns();
    const url = `nats://${USER}:${'${NATS_TLS_PASSWORD}'}@${hostPort(own.url)}`;
    const write = await fileTo(
      target,
      { servers: url, stream: name, subject: name, createStream: 'true', ...tls() },
      'u\n',
    );
    expect(write.code, write.stderr).toBe(0);
    const wrong = await fileTo(
      target,
      {
        servers: `nats://${USER}:nope@${hostPort(own.url)}`,
        stream: name,
        subject: name,
        ...tls(),
      },
      'u\n',
    );
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/authorization violation/i);
    expect(wrong.stderr + wrong.stdout).not.toContain('nope');
  }, 60_000);
});
