import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { createTestPki } from '@edgeplane/test-servers';
import { describe, expect, it } from 'vitest';
import { clientOptions, readTokenFile, retryDelay, saslOptions } from './client.js';
import { tlsSettings } from './options.js';
import { createKafkaTransport, kafkaTransport } from './transport.js';

const BASE = { brokers: '127.0.0.1:9092', topic: 'orders' };

/** The `invalid-config` error `parseOptions(input)` throws. */
function rejection(input: unknown) {
  try {
    kafkaTransport.parseOptions(input);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('kafka options', () => {
  it('parses the adapter-config strings with defaults', () => {
    const o = kafkaTransport.parseOptions({
      brokers: 'a:9092, b:9093',
      topic: 'orders',
      groupId: 'billing',
      fromBeginning: 'true',
      sessionTimeoutMs: '10000',
      compression: 'gzip',
    });
    expect(o).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      topic: 'orders',
      groupId: 'billing',
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3000,
      compression: 'gzip',
      maxBodyBytes: 1_000_000,
      clientId: 'edgeplane',
    });
    expect(o.tls).toBeUndefined();
  });

  it.each([
    [{ topic: 't' }, 'brokers', /is required|host:port/],
    [{ brokers: 'localhost', topic: 't' }, 'brokers', /host:port/],
    [{ brokers: '127.0.0.1:99999', topic: 't' }, 'brokers', /port 1-65535/],
    [{ brokers: 'a:9092,b:0', topic: 't' }, 'brokers', /port 1-65535/],
    [{ brokers: 'a:1' }, 'topic', /set `topic`/],
    [{ ...BASE, topics: 'a,b' }, 'topics', /not both/],
    [{ brokers: 'a:1', topics: 'ok,bad topic' }, 'topics', /not a legal topic/],
    [{ ...BASE, topic: 'has space' }, 'topic', /expected 1-249/],
    [{ ...BASE, compression: 'zstd' }, 'compression', /none, gzip/],
    [
      { ...BASE, sessionTimeoutMs: 3000, heartbeatIntervalMs: 3000 },
      'heartbeatIntervalMs',
      /lower/,
    ],
    [{ ...BASE, maxWaitTimeMs: 'soon' }, 'maxWaitTimeMs', /integer/],
    [{ ...BASE, saslMechanism: 'plain', saslUsername: 'u' }, 'saslPassword', /together/],
    [{ ...BASE, saslMechanism: 'gssapi' }, 'saslMechanism', /plain, scram-sha-256/],
    [{ ...BASE, saslMechanism: 'oauthbearer' }, 'saslOauthBearerToken', /needs/],
    [
      { ...BASE, saslMechanism: 'oauthbearer', saslOauthBearerToken: 't', saslUsername: 'u' },
      'saslUsername',
      /not used by SASL\/OAUTHBEARER/,
    ],
    [
      {
        ...BASE,
        saslMechanism: 'oauthbearer',
        saslOauthBearerToken: 't',
        saslOauthBearerTokenFile: '/t',
      },
      'saslOauthBearerTokenFile',
      /not both/,
    ],
    [{ ...BASE, saslOauthBearerToken: 'tok' }, 'saslOauthBearerToken', /oauthbearer/],
    [{ ...BASE, saslUsername: 'u', saslPassword: 'p' }, 'saslMechanism', /together/],
    [{ ...BASE, sslCertFile: '/c.pem' }, 'sslKeyFile', /together/],
    [{ ...BASE, tls: true, tlsKeyFile: '/k.pem' }, 'tlsCertFile', /together/],
    [{ ...BASE, ssl: 'yes' }, 'ssl', /true or false/],
    [{ ...BASE, tls: 'yes' }, 'tls', /true or false/],
    // a tls* option while TLS is off is refused, saying how to turn it on
    [{ ...BASE, tlsCaFile: '/ca.pem' }, 'tlsCaFile', /TLS is off: set `tls=true`/],
    [{ ...BASE, tls: 'false', tlsVerify: 'false' }, 'tlsVerify', /TLS is off/],
    [{ ...BASE, tlsServerName: 'kafka.example' }, 'tlsServerName', /TLS is off/],
    [{ ...BASE, tls: true, tlsServerName: '10.0.0.1' }, 'tlsServerName', /not an IP/],
    [{ ...BASE, tls: true, tlsKeyPassphrase: 'p' }, 'tlsKeyPassphrase', /without `tlsKeyFile`/],
    // the deprecated names work, but not together with the new ones
    [{ ...BASE, ssl: true, tls: true }, 'ssl', /deprecated name of `tls`/],
    [
      { ...BASE, sslCaFile: '/a.pem', tls: true, tlsCaFile: '/b.pem' },
      'sslCaFile',
      /set only `tlsCaFile`/,
    ],
    [{ ...BASE, nope: 1 }, 'nope', /unknown option/],
  ])('rejects %j naming %s', (input, option, message) => {
    const e = rejection(input);
    expect(e.code).toBe('invalid-config');
    expect(e.details?.option).toBe(option);
    expect(e.message).toMatch(message);
  });

  it('never echoes broker addresses with credentials, nor the SASL password', () => {
    const e = rejection({ brokers: 'alice:s3cr3t@kafka:9092', topic: 't' });
    expect(e.message).not.toContain('s3cr3t');
    expect(e.message).toMatch(/credentials do not belong/);
    const sasl = rejection({ ...BASE, saslMechanism: 'scram-sha-512', saslPassword: 'hunter22' });
    expect(sasl.message).not.toContain('hunter22');
  });

  it('create() validates synchronously, naming the option', () => {
    expect(() => createKafkaTransport({ brokers: [], topic: 't' })).toThrow(/brokers/);
    expect(() => kafkaTransport.create({ brokers: 'x:1', topic: '..' } as never)).toThrow(/topic/);
  });

  it('marks the key passphrase, the SASL password and the bearer token secret (not the path of its file)', () => {
    const secret = kafkaTransport
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => o.name);
    // `saslOauthBearerTokenFile` is a path: the contract's name rule leaves `*File` printable
    expect(secret).toEqual(['tlsKeyPassphrase', 'saslPassword', 'saslOauthBearerToken']);
  });

  it('describes the shared tls* options and the ssl* names as deprecated aliases', () => {
    const described = new Map(kafkaTransport.describeOptions().map((o) => [o.name, o]));
    for (const name of [
      'tls',
      'tlsCaFile',
      'tlsCertFile',
      'tlsKeyFile',
      'tlsServerName',
      'tlsVerify',
    ])
      expect(described.get(name)?.description, name).not.toBe('');
    expect(described.get('tls')?.description).toMatch(/no URL scheme/);
    expect(described.get('sslCaFile')?.description).toMatch(/Deprecated alias of `tlsCaFile`/);
    expect(described.get('sslVerify')?.description).toMatch(/Deprecated alias of `tlsVerify`/);
  });

  it('builds SASL, TLS and retry settings for @platformatic/kafka (SCRAM, PLAIN, CA file)', async () => {
    const pki = await createTestPki();
    const scram = kafkaTransport.parseOptions({
      ...BASE,
      brokers: 'kafka-1:9093',
      tls: true,
      saslMechanism: 'scram-sha-256',
      saslUsername: 'svc',
      saslPassword: 'pw',
    });
    const config = await clientOptions(scram);
    expect(config).toMatchObject({
      bootstrapBrokers: ['kafka-1:9093'],
      tls: { rejectUnauthorized: true },
      tlsServerName: true, // each broker's host name as SNI
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'svc', password: 'pw' },
      retries: 5,
      connectTimeout: 3000,
      timeout: 30_000,
    });
    expect(config.tls).not.toHaveProperty('servername');
    const delay = retryDelay(scram);
    expect([1, 2, 3, 5, 9].map((attempt) => delay({}, 'fetch', attempt))).toEqual([
      300, 600, 1200, 4800, 5000,
    ]);
    const mutual = kafkaTransport.parseOptions({
      ...BASE,
      tls: 'true',
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.clientKeyEncrypted,
      tlsKeyPassphrase: pki.passphrase,
      tlsVerify: 'false',
      saslMechanism: 'plain',
      saslUsername: 'svc',
      saslPassword: 'pw',
    });
    const both = await clientOptions(mutual);
    const tls = both.tls as {
      ca: string[];
      cert: string;
      key: string;
      rejectUnauthorized: boolean;
    };
    expect(tls.rejectUnauthorized).toBe(false);
    expect(tls.ca[0]).toContain('-----BEGIN CERTIFICATE-----');
    expect(tls.cert).toContain('-----BEGIN CERTIFICATE-----');
    expect(tls.key).toContain('-----BEGIN PRIVATE KEY-----'); // decrypted in memory only
    expect(both.tlsServerName).toBeUndefined(); // 127.0.0.1: never an IP as SNI
    const named = kafkaTransport.parseOptions({ ...BASE, tls: true, tlsServerName: 'kafka.test' });
    expect((await clientOptions(named)).tlsServerName).toBe('kafka.test');
    expect((await clientOptions(kafkaTransport.parseOptions(BASE))).tls).toBeUndefined();
  });

  it('maps the deprecated ssl* names onto tls* (a CA file alone turns TLS on, as before)', async () => {
    const pki = await createTestPki();
    const legacy = kafkaTransport.parseOptions({ ...BASE, sslCaFile: pki.ca, sslVerify: 'false' });
    expect(tlsSettings(legacy)).toMatchObject({ tls: true, tlsCaFile: pki.ca, tlsVerify: false });
    const tls = (await clientOptions(legacy)).tls as { ca: string[]; rejectUnauthorized: boolean };
    expect(tls.ca).toHaveLength(1);
    expect(tls.rejectUnauthorized).toBe(false);
    expect(tlsSettings(kafkaTransport.parseOptions({ ...BASE, ssl: 'true' })).tls).toBe(true);
  });

  it('reads the TLS files when a client is built: a problem is a tls error naming the option', async () => {
    const pki = await createTestPki();
    const at = (extra: object) =>
      clientOptions(kafkaTransport.parseOptions({ ...BASE, tls: true, ...extra }));
    await expect(at({ tlsCaFile: '/no/such/ca.pem' })).rejects.toMatchObject({
      code: 'tls',
      details: { option: 'tlsCaFile' },
    });
    await expect(at({ tlsCaFile: pki.notPem })).rejects.toMatchObject({
      code: 'tls',
      message: /not a PEM file/,
    });
    await expect(
      at({ tlsCertFile: pki.client.cert, tlsKeyFile: pki.server.key }),
    ).rejects.toMatchObject({ code: 'tls', details: { option: 'tlsKeyFile' } });
    await expect(
      at({
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.clientKeyEncrypted,
        tlsKeyPassphrase: 'wrong',
      }),
    ).rejects.toMatchObject({ code: 'tls', details: { option: 'tlsKeyPassphrase' } });
    // the alias names the new option in file errors
    const legacy = clientOptions(kafkaTransport.parseOptions({ ...BASE, sslCaFile: '/no/ca.pem' }));
    await expect(legacy).rejects.toMatchObject({ code: 'tls', details: { option: 'tlsCaFile' } });
  });

  it('opening fails on a bad TLS file before connecting anything', async () => {
    const t = createKafkaTransport({
      ...BASE,
      brokers: '127.0.0.1:1',
      tls: true,
      tlsCaFile: '/no/ca.pem',
    });
    const started = Date.now();
    await expect(t.open({ role: 'egress' })).rejects.toMatchObject({ code: 'tls' });
    expect(Date.now() - started).toBeLessThan(1000);
    await t.close();
  });

  it('SASL/OAUTHBEARER: a fixed token, or a token file read at every authentication', async () => {
    const fixed = saslOptions(
      kafkaTransport.parseOptions({
        ...BASE,
        saslMechanism: 'oauthbearer',
        saslOauthBearerToken: 'jwt-1',
      }),
    );
    expect(fixed).toEqual({ mechanism: 'OAUTHBEARER', token: 'jwt-1' });
    const dir = mkdtempSync(join(tmpdir(), 'ep-kafka-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'jwt-2\n');
    const viaFile = saslOptions(
      kafkaTransport.parseOptions({
        ...BASE,
        saslMechanism: 'oauthbearer',
        saslOauthBearerTokenFile: file,
      }),
    );
    const provider = viaFile?.token as () => Promise<string>;
    expect(await provider()).toBe('jwt-2');
    writeFileSync(file, 'jwt-3');
    expect(await provider()).toBe('jwt-3'); // re-read: a refresher may rewrite the file
    await expect(readTokenFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'not-found' });
  });
});
