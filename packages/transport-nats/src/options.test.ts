import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { createNatsTransport, natsTransport } from './transport.js';

function rejection(input: unknown): { code?: string; message: string; option?: unknown } {
  try {
    natsTransport.parseOptions(input);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return { code: error.code, message: error.message, option: error.details?.option };
  }
  throw new Error('expected a rejection');
}

describe('nats transport options', () => {
  it('accepts the string values of the key=value adapter config, with defaults', () => {
    const o = natsTransport.parseOptions({
      servers: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
      stream: 'ORDERS',
      subject: 'orders.>',
      durable: 'edgeplane',
      createStream: 'true',
      ackWaitMs: '2000',
    });
    expect(o).toMatchObject({
      servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'],
      mode: 'jetstream',
      createStream: true,
      createConsumer: false,
      ackWaitMs: 2000,
      maxAckPending: 20_000,
      msgId: 'auto',
      keyHeader: 'Edgeplane-Key',
      maxBodyBytes: 1_044_480,
      maxReconnectAttempts: -1,
    });
  });

  it('documents every option, secrets marked', () => {
    const options = natsTransport.describeOptions();
    for (const o of options) expect(o.description.length, o.name).toBeGreaterThan(15);
    const secret = options.filter((o) => o.secret).map((o) => o.name);
    expect(secret).toEqual(['password', 'token', 'tlsKeyPassphrase']);
    expect(options.find((o) => o.name === 'servers')?.required).toBe(true);
    expect(options.find((o) => o.name === 'mode')?.type).toBe('jetstream | core');
  });

  it('names the option in invalid-config errors', () => {
    expect(rejection({ servers: 'nats://h:1', subject: 'x' })).toEqual({
      code: 'invalid-config',
      message:
        '[transport:nats] missing required option `stream` for mode=jetstream (or set `mode=core`)',
      option: 'stream',
    });
    expect(rejection({ servers: 'nats://h:1', mode: 'core', subject: 'a b' })).toMatchObject({
      code: 'invalid-config',
      option: 'subject',
    });
    expect(
      rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', ackWaitMs: '5' }).message,
    ).toBe('[transport:nats] option "ackWaitMs": expected an integer in [1000, 86400000], got "5"');
    expect(
      rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', password: 'secret-pw' }),
    ).toMatchObject({
      option: 'user',
    });
    expect(rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', bogus: 1 }).message).toBe(
      '[transport:nats] unknown option "bogus"',
    );
    expect(rejection({ servers: '', mode: 'core', subject: 'x' }).option).toBe('servers');
  });

  it('create() validates synchronously', () => {
    expect(() => createNatsTransport({ servers: 'nats://h:1', subject: 'x' })).toThrow(/`stream`/);
  });

  describe('TLS and authentication', () => {
    const base = { mode: 'core', subject: 'x' };
    it('offers the shared TLS options, TLS off by default', () => {
      const names = natsTransport.describeOptions().map((o) => o.name);
      for (const name of [
        'tls',
        'tlsCaFile',
        'tlsCertFile',
        'tlsKeyFile',
        'tlsKeyPassphrase',
        'tlsServerName',
        'tlsVerify',
        'credsFile',
        'nkeySeedFile',
      ])
        expect(names).toContain(name);
      const o = natsTransport.parseOptions({ ...base, servers: 'nats://h:1' });
      expect(o.tls).toBeUndefined();
      expect(o.tlsVerify).toBeUndefined();
    });

    it('turns TLS on by tls=true or a tls:// URL, and takes the files then', () => {
      const o = natsTransport.parseOptions({
        ...base,
        servers: 'tls://h:1',
        tlsCaFile: '/ca.pem',
        tlsCertFile: '/c.pem',
        tlsKeyFile: '/k.pem',
        tlsKeyPassphrase: 'pp',
        tlsServerName: 'nats.example',
        tlsVerify: 'false',
      });
      expect(o).toMatchObject({
        tlsCaFile: '/ca.pem',
        tlsVerify: false,
        tlsServerName: 'nats.example',
      });
      expect(
        natsTransport.parseOptions({
          ...base,
          servers: 'nats://h:1',
          tls: 'true',
          tlsCaFile: '/ca',
        }).tls,
      ).toBe(true);
    });

    it('refuses a tls* option while TLS is off, naming it, with how to turn TLS on', () => {
      let error: unknown;
      try {
        natsTransport.parseOptions({ ...base, servers: 'nats://h:1', tlsCaFile: '/ca.pem' });
      } catch (e) {
        error = e;
      }
      expect(isEdgeplaneError(error) && error.code).toBe('invalid-config');
      expect((error as Error).message).toBe(
        '[transport:nats] option "tlsCaFile" is set but TLS is off',
      );
      expect(isEdgeplaneError(error) && error.hint).toMatch(/tls=true.*tls:\/\//);
      expect(rejection({ ...base, servers: 'nats://h:1', tlsVerify: 'false' }).option).toBe(
        'tlsVerify',
      );
      expect(rejection({ ...base, servers: 'tls://h:1', tls: 'false' })).toMatchObject({
        option: 'tls',
        message: '[transport:nats] option `tls=false` contradicts a `tls://` server URL',
      });
    });

    it('refuses an IP address as tlsServerName, and credsFile with nkeySeedFile', () => {
      expect(rejection({ ...base, servers: 'tls://h:1', tlsServerName: '127.0.0.1' }).option).toBe(
        'tlsServerName',
      );
      expect(
        rejection({ ...base, servers: 'nats://h:1', credsFile: '/a', nkeySeedFile: '/b' }).option,
      ).toBe('nkeySeedFile');
    });

    it('moves credentials out of the URLs (user:password@, token@), keeping the scheme', () => {
      const o = natsTransport.parseOptions({
        ...base,
        servers: 'tls://alice:p%40ss@h:1,tls://alice:p%40ss@h:2',
      });
      expect(o).toMatchObject({
        servers: ['tls://h:1', 'tls://h:2'],
        user: 'alice',
        password: 'p@ss',
      });
      const t = natsTransport.parseOptions({ ...base, servers: 'nats://s3cret@h:1' });
      expect(t).toMatchObject({ servers: ['nats://h:1'], token: 's3cret' });
      expect(t.user).toBeUndefined();
      const clash = rejection({ ...base, servers: 'nats://a:b@h:1,nats://c:d@h:2' });
      expect(clash).toMatchObject({ code: 'invalid-config', option: 'servers' });
      expect(clash.message).not.toMatch(/a:b|c:d/);
      expect(rejection({ ...base, servers: 'nats://tok@h:1', nkeySeedFile: '/seed' }).option).toBe(
        'servers',
      );
    });
  });
});
