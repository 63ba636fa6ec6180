import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { clientOptions, retryDelay } from './client.js';
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
      ssl: false,
    });
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
    [{ ...BASE, saslMechanism: 'oauthbearer' }, 'saslMechanism', /plain, scram-sha-256/],
    [{ ...BASE, saslUsername: 'u', saslPassword: 'p' }, 'saslMechanism', /together/],
    [{ ...BASE, sslCertFile: '/c.pem' }, 'sslKeyFile', /together/],
    [{ ...BASE, ssl: 'yes' }, 'ssl', /true or false/],
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

  it('marks the SASL password secret, and only it', () => {
    const secret = kafkaTransport
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => o.name);
    expect(secret).toEqual(['saslPassword']);
  });

  it('builds SASL, TLS and retry settings for @platformatic/kafka (SCRAM, PLAIN, CA file)', async () => {
    const scram = kafkaTransport.parseOptions({
      ...BASE,
      brokers: 'kafka-1:9093',
      ssl: true,
      saslMechanism: 'scram-sha-256',
      saslUsername: 'svc',
      saslPassword: 'pw',
    });
    const config = await clientOptions(scram);
    expect(config).toMatchObject({
      bootstrapBrokers: ['kafka-1:9093'],
      tls: { rejectUnauthorized: true },
      tlsServerName: true,
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'svc', password: 'pw' },
      retries: 5,
      connectTimeout: 3000,
      timeout: 30_000,
    });
    const delay = retryDelay(scram);
    expect([1, 2, 3, 5, 9].map((attempt) => delay({}, 'fetch', attempt))).toEqual([
      300, 600, 1200, 4800, 5000,
    ]);
    const plain = kafkaTransport.parseOptions({
      ...BASE,
      sslCaFile: import.meta.filename,
      sslVerify: 'false',
      saslMechanism: 'plain',
      saslUsername: 'svc',
      saslPassword: 'pw',
    });
    const tls = (await clientOptions(plain)).tls as { ca: Buffer[]; rejectUnauthorized: boolean };
    expect(tls.rejectUnauthorized).toBe(false);
    expect(tls.ca[0]?.toString()).toContain('builds SASL, TLS and retry settings');
    expect((await clientOptions(plain)).tlsServerName).toBeUndefined(); // 127.0.0.1: no SNI
    expect((await clientOptions(kafkaTransport.parseOptions(BASE))).tls).toBeUndefined();
    const missing = kafkaTransport.parseOptions({ ...BASE, sslCaFile: '/no/such/ca.pem' });
    await expect(clientOptions(missing)).rejects.toMatchObject({
      code: 'invalid-config',
      details: { option: 'sslCaFile' },
    });
  });
});
