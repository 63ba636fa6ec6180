import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { createRabbitmqStreamsTransport, rabbitmqStreamsTransport } from './index.js';

const URL = 'rabbitmq-stream://127.0.0.1:5552';

function rejection(input: unknown): { code: string; message: string; option: unknown } {
  try {
    rabbitmqStreamsTransport.parseOptions(input);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return { code: error.code, message: error.message, option: error.details?.option };
  }
  throw new Error('expected a rejection');
}

describe('options', () => {
  it('fills the defaults', () => {
    expect(rabbitmqStreamsTransport.parseOptions({ url: URL, stream: 's' })).toEqual({
      url: URL,
      stream: 's',
      offset: 'first',
      createStream: true,
      batchMaxMessages: 4096,
      prefetchChunks: 4,
      loadBalancer: false,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      confirmTimeoutMs: 30_000,
      ackTimeoutMs: 60_000,
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 5000,
    });
  });

  it('takes strings from the adapter config', () => {
    const parsed = rabbitmqStreamsTransport.parseOptions({
      url: URL,
      stream: 's',
      offset: '42',
      createStream: 'false',
      prefetchChunks: '2',
      streamMaxAge: '7D',
    });
    expect(parsed).toMatchObject({
      offset: 42n,
      createStream: false,
      prefetchChunks: 2,
      streamMaxAge: '7D',
    });
    expect(
      rabbitmqStreamsTransport.parseOptions({ url: URL, stream: 's', offset: 'next' }).offset,
    ).toBe('next');
  });

  it.each([
    [{ stream: 's' }, 'url', 'option "url" is required'],
    [{ url: URL }, 'stream', 'option "stream" is required'],
    [{ url: 'amqp://127.0.0.1', stream: 's' }, 'url', 'expected rabbitmq-stream[+tls]://'],
    [{ url: `${URL}/a/b`, stream: 's' }, 'url', 'write a "/" inside it as %2F'],
    [{ url: URL, stream: '' }, 'stream', 'expected a non-empty stream name'],
    [
      { url: URL, stream: 's', offset: 'last' },
      'offset',
      'expected first, next or an offset >= 0, got "last"',
    ],
    [{ url: URL, stream: 's', offset: -1 }, 'offset', 'got -1'],
    [
      { url: URL, stream: 's', prefetchChunks: 0 },
      'prefetchChunks',
      'expected an integer in [1, 64], got 0',
    ],
    [{ url: URL, stream: 's', streamMaxAge: '7 days' }, 'streamMaxAge', 'e.g. 7D'],
    [{ url: URL, stream: 's', consumer: 'c' }, 'consumer', 'unknown option "consumer"'],
  ])('%j is invalid-config naming %s', (input, option, text) => {
    const r = rejection(input);
    expect(r.code).toBe('invalid-config');
    expect(r.option).toBe(option);
    expect(r.message).toContain(text);
    expect(r.message).toMatch(/^\[transport:rabbitmq-streams\] /);
  });

  it('never echoes a URL (it may carry a password)', () => {
    const r = rejection({ url: 'rabbitmq-stream://u:hunter2@h:5552/a/b', stream: 's' });
    expect(r.message).not.toContain('hunter2');
    expect(rejection({ url: 'http://u:hunter2@h', stream: 's' }).message).not.toContain('hunter2');
  });

  it('create() validates synchronously too', () => {
    expect(() =>
      createRabbitmqStreamsTransport({ url: URL, stream: 's', batchMaxMessages: 0 }),
    ).toThrow(/option "batchMaxMessages"/);
  });

  it('takes the TLS options; TLS is on with tls=true or a rabbitmq-stream+tls:// url', () => {
    const tls = {
      tlsCaFile: '/pki/ca.pem',
      tlsCertFile: '/pki/client.pem',
      tlsKeyFile: '/pki/client.key',
      tlsKeyPassphrase: 'pw',
      tlsServerName: 'broker.example',
      tlsVerify: 'false',
    };
    expect(
      rabbitmqStreamsTransport.parseOptions({ url: URL, stream: 's', tls: 'true', ...tls }),
    ).toMatchObject({ ...tls, tls: true, tlsVerify: false });
    const viaUrl = rabbitmqStreamsTransport.parseOptions({
      url: 'rabbitmq-stream+tls://u:p@broker',
      stream: 's',
      ...tls,
    });
    expect(viaUrl.tls).toBeUndefined();
    expect(createRabbitmqStreamsTransport(viaUrl).options.tlsCaFile).toBe('/pki/ca.pem');
    // TLS off: no TLS field is filled in by default
    const plain = rabbitmqStreamsTransport.parseOptions({ url: URL, stream: 's' });
    expect(Object.keys(plain).filter((k) => k.startsWith('tls'))).toEqual([]);
  });

  it.each([
    ['tlsCaFile', { tlsCaFile: '/ca.pem' }],
    ['tlsCertFile', { tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' }],
    ['tlsServerName', { tlsServerName: 'broker' }],
    ['tlsVerify', { tlsVerify: 'false' }],
    ['tlsCaFile', { tls: 'false', tlsCaFile: '/ca.pem' }],
  ])('%s while TLS is off is invalid-config saying how to turn TLS on', (option, extra) => {
    const r = rejection({ url: URL, stream: 's', ...extra });
    expect(r.code).toBe('invalid-config');
    expect(r.option).toBe(option);
    expect(r.message).toBe(
      `[transport:rabbitmq-streams] option "${option}": is set but TLS is off: use a \`rabbitmq-stream+tls://\` url or set tls=true (or remove it)`,
    );
  });

  it('tls=false with a rabbitmq-stream+tls:// url is refused', () => {
    const r = rejection({ url: 'rabbitmq-stream+tls://h', stream: 's', tls: 'false' });
    expect(r.code).toBe('invalid-config');
    expect(r.option).toBe('tls');
    expect(r.message).toContain('tls=false contradicts the `rabbitmq-stream+tls://` url');
  });

  it.each([
    ['an IP address', '127.0.0.1'],
    ['a URL', 'https://broker'],
  ])('tlsServerName refuses %s', (_what, value) => {
    const r = rejection({ url: URL, stream: 's', tls: 'true', tlsServerName: value });
    expect(r.option).toBe('tlsServerName');
    expect(r.message).toContain('expected a DNS host name');
  });

  it('describes every option; url and password are secret', () => {
    const described = rabbitmqStreamsTransport.describeOptions();
    for (const o of described) expect(o.description.length).toBeGreaterThan(10);
    const secret = described.filter((o) => o.secret).map((o) => o.name);
    expect(secret).toEqual(['url', 'password', 'tlsKeyPassphrase']);
    expect(described.find((o) => o.name === 'offset')?.type).toBe('first | next | integer >= 0');
    expect(described.find((o) => o.name === 'tls')?.description).toMatch(
      /rabbitmq-stream\+tls:\/\//,
    );
    expect(described.find((o) => o.name === 'tlsCaFile')?.type).toBe('path');
  });
});
