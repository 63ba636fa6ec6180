import { describe, expect, it } from 'vitest';
import { grpcTransport } from './transport.js';

const parse = (input: unknown) => grpcTransport.parseOptions(input);
const refusal = (input: unknown) => {
  try {
    parse(input);
  } catch (e) {
    return e as { code: string; message: string; details?: { option?: string } };
  }
  throw new Error('accepted');
};

describe('options', () => {
  it('fills the defaults', () => {
    expect(parse({ listen: '127.0.0.1:50051' })).toMatchObject({
      listen: '127.0.0.1:50051',
      protocol: 'grpc',
      method: 'edgeplane.v1.IngestService/Ingest',
      maxInFlight: 1024,
      maxBodyBytes: 16 * 1024 * 1024,
      maxRequestBytes: 64 * 1024 * 1024,
      timeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      retryAfterMs: 100,
    });
  });

  it('takes strings from the adapter config', () => {
    expect(
      parse({
        url: 'https://gw.example:443',
        protocol: 'connect',
        maxInFlight: '64',
        timeoutMs: '500',
      }),
    ).toMatchObject({ protocol: 'connect', maxInFlight: 64, timeoutMs: 500 });
  });

  it.each([
    [{}, 'listen', /required for the ingress/],
    [{ listen: '127.0.0.1' }, 'listen', /expected host:port/],
    [{ listen: '127.0.0.1:70000' }, 'listen', /expected host:port/],
    [{ url: 'ftp://x:1' }, 'url', /expected http:\/\/host:port/],
    [{ url: 'http://u:p@x:1' }, 'url', /no credentials/],
    [{ url: 'http://x:1', protocol: 'rest' }, 'protocol', /grpc, grpcweb, connect/],
    [{ url: 'http://x:1', method: 'Ingest' }, 'method', /package.Service\/Method/],
    [{ url: 'http://x:1', maxInFlight: 0 }, 'maxInFlight', /integer in \[1, 1000000\]/],
    [{ url: 'http://x:1', tlsCaFile: '/ca.pem' }, 'tlsCaFile', /TLS is off/],
    [{ url: 'https://x:1', tls: false }, 'tls', /is false but `url` is https/],
    [
      { url: 'http://x:1', maxBodyBytes: 4096, maxRequestBytes: 2048 },
      'maxBodyBytes',
      /maxRequestBytes/,
    ],
    [{ url: 'http://x:1', colour: 'red' }, 'colour', /.+/],
  ])('refuses %j naming %s', (input, option, message) => {
    const e = refusal(input);
    expect(e.code).toBe('invalid-config');
    expect(e.message).toContain(option);
    expect(e.message).toMatch(message);
  });

  it('never repeats a secret in an error', () => {
    const e = refusal({ url: 'http://x:1', authToken: 'tok-very-secret', maxInFlight: -1 });
    expect(e.message).not.toContain('tok-very-secret');
  });

  it('marks authToken and the passphrases secret', () => {
    const secret = grpcTransport
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => o.name);
    expect(secret.sort()).toEqual(['authToken', 'listenTlsKeyPassphrase', 'tlsKeyPassphrase']);
  });
});
