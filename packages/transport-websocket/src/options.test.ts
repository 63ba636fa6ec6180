import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { createWebSocketTransport, webSocketTransport } from './transport.js';

const parse = (input: unknown) => webSocketTransport.parseOptions(input);
const refusal = (input: unknown) => {
  try {
    parse(input);
  } catch (error) {
    if (isEdgeplaneError(error))
      return { code: error.code, message: error.message, option: error.details?.option };
    throw error;
  }
  throw new Error('accepted');
};

describe('options', () => {
  it('fills the defaults (strings from the adapter config accepted)', () => {
    const o = parse({ url: 'ws://127.0.0.1:9/x', maxInFlight: '10', pingIntervalMs: '0' });
    expect(o).toMatchObject({
      url: 'ws://127.0.0.1:9/x',
      path: '/',
      ackProtocol: 'edgeplane.v1',
      maxInFlight: 10,
      maxPayload: 16 * 1024 * 1024,
      highWaterMarkBytes: 1024 * 1024,
      pingIntervalMs: 0,
      connectTimeoutMs: 10_000,
      ackTimeoutMs: 30_000,
      reconnectMaxDelayMs: 5000,
      frameType: 'binary',
    });
  });

  it('needs url or listen', () => {
    expect(refusal({})).toMatchObject({ code: 'invalid-config', option: 'url' });
    expect(refusal({}).message).toContain(
      'set `url` (egress, or an ingress that dials) or `listen`',
    );
    expect(parse({ listen: '127.0.0.1:0' }).listen).toBe('127.0.0.1:0');
  });

  it('refuses a URL that is not ws:// or wss://, and credentials in it without showing them', () => {
    expect(refusal({ url: 'http://127.0.0.1:1/' })).toMatchObject({ option: 'url' });
    const r = refusal({ url: 'ws://user:hunter2@127.0.0.1:1/' });
    expect(r.message).toContain('give the token as `authToken`');
    expect(r.message).not.toContain('hunter2');
  });

  it('refuses a bad listen address, path, ackProtocol', () => {
    expect(refusal({ listen: '127.0.0.1' })).toMatchObject({ option: 'listen' });
    expect(refusal({ listen: '127.0.0.1:70000' })).toMatchObject({ option: 'listen' });
    expect(refusal({ listen: '127.0.0.1:1', path: 'no-slash' })).toMatchObject({ option: 'path' });
    expect(refusal({ url: 'ws://h:1/', ackProtocol: 'v2' }).message).toContain(
      'expected one of edgeplane.v1, none, got "v2"',
    );
  });

  it('TLS options must agree with the URL scheme and with listen', () => {
    expect(refusal({ url: 'ws://h:1/', tls: true })).toMatchObject({ option: 'tls' });
    expect(refusal({ url: 'wss://h:1/', tls: false })).toMatchObject({ option: 'tls' });
    expect(refusal({ url: 'ws://h:1/', tlsCaFile: '/x' })).toMatchObject({ option: 'tlsCaFile' });
    expect(parse({ url: 'wss://h:1/', tlsCaFile: '/x' }).tlsCaFile).toBe('/x');
    expect(refusal({ url: 'ws://h:1/', listenTlsCertFile: '/x' })).toMatchObject({
      option: 'listenTlsCertFile',
    });
  });

  it('marks the secrets', () => {
    const secret = webSocketTransport
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => o.name);
    expect(secret).toEqual(
      expect.arrayContaining(['authToken', 'tlsKeyPassphrase', 'listenTlsKeyPassphrase']),
    );
  });

  it('capabilities follow ackProtocol', () => {
    const v1 = createWebSocketTransport({ url: 'ws://h:1/' });
    const none = createWebSocketTransport({
      url: 'ws://h:1/',
      ackProtocol: 'none',
      maxInFlight: 7,
    });
    expect(v1.capabilities).toMatchObject({ delivery: 'at-least-once', keys: true, headers: true });
    expect(none.capabilities).toMatchObject({
      delivery: 'at-most-once',
      keys: false,
      headers: false,
      maxInFlight: 7,
    });
  });
});
