import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { httpTransport } from './transport.js';

const parse = (input: unknown) => httpTransport.parseOptions(input);
const refused = (input: unknown): EdgeplaneError => {
  try {
    parse(input);
  } catch (error) {
    if (error instanceof EdgeplaneError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('options', () => {
  it('defaults, and strings from the adapter config', () => {
    const o = parse({ listen: '127.0.0.1:8080', maxInFlight: '64', framing: 'ndjson' });
    expect(o).toMatchObject({
      path: '/',
      framing: 'ndjson',
      maxInFlight: 64,
      maxBodyBytes: 1024 * 1024,
      maxPendingRequests: 256,
      method: 'POST',
      batching: 'message',
      concurrency: 1,
    });
  });

  it('headers.<Name>=value options fold into `headers`', () => {
    const o = parse({ url: 'http://127.0.0.1:1/', 'headers.X-Api-Key': 'abc', 'headers.X-B': '' });
    expect(o.headers).toEqual({ 'X-Api-Key': 'abc', 'X-B': '' });
  });

  it.each([
    [{ listen: 'localhost' }, 'listen', /host:port/],
    [{ listen: '127.0.0.1:70000' }, 'listen', /65535/],
    [{ url: 'ftp://x' }, 'url', /http:\/\/host/],
    [{ url: 'https://x/', tls: false }, 'tls', /https/],
    [{ url: 'http://x/', tlsCaFile: '/ca.pem' }, 'tlsCaFile', /TLS is off/],
    [{ path: 'in' }, 'path', /absolute path/],
    [{ 'headers.Bad Name': 'v' }, 'headers', /header name/],
    [{ 'headers.X': 'a\nb' }, 'headers', /CR\/LF/],
    [{ authToken: 'has space' }, 'authToken', /printable ASCII/],
    [{ concurrency: 0 }, 'concurrency', /integer/],
    [{ batching: 'lines' }, 'batching', /message, ndjson/],
    [{ nope: 1 }, 'nope', /unknown option/],
  ])('%j is invalid-config naming %s', (input, option, message) => {
    const e = refused(input);
    expect(e.code).toBe('invalid-config');
    expect(e.message).toContain(option);
    expect(e.message).toMatch(message);
  });

  it('a bad url never repeats its value (it may hold a token)', () => {
    expect(refused({ url: 'nota url with secret-xyz' }).message).not.toContain('secret-xyz');
  });

  it('authToken, hmacSecret, url and headers are secrets in describeOptions', () => {
    const secret = new Map(httpTransport.describeOptions().map((o) => [o.name, o.secret === true]));
    for (const name of [
      'authToken',
      'hmacSecret',
      'url',
      'headers',
      'tlsKeyPassphrase',
      'listenTlsKeyPassphrase',
    ])
      expect(secret.get(name), name).toBe(true);
  });
});

describe('neither side given', () => {
  it('no listen and no url is refused at parse time (validate), naming both', () => {
    const error = (() => {
      try {
        parse({});
      } catch (e) {
        return e as EdgeplaneError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('invalid-config');
    expect(error?.message).toMatch(/"url"/);
    expect(error?.message).toMatch(/`listen` for the ingress/);
  });
});
