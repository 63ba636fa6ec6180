import { isEdgeplaneError, tlsOptionFields } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { Connections, clientOptions } from './connection.js';
import { TLS_ENABLE_HINT, tlsEnabled } from './options.js';
import { createRedisStreamsTransport, redisStreamsTransport as descriptor } from './transport.js';

const refusal = (input: Record<string, unknown>): string => {
  try {
    descriptor.parseOptions({ stream: 's', ...input });
  } catch (error) {
    expect(isEdgeplaneError(error) && error.code).toBe('invalid-config');
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('TLS options', () => {
  it('are the contract’s, off by default, on from tls=true or a rediss:// URL', () => {
    const plain = descriptor.parseOptions({ stream: 's' });
    expect(plain.tls).toBeUndefined();
    expect(tlsEnabled(plain)).toBe(false);
    expect(clientOptions(plain).tls).toBeUndefined();
    const byFlag = descriptor.parseOptions({ stream: 's', tls: 'true', tlsVerify: 'false' });
    expect(byFlag).toMatchObject({ tls: true, tlsVerify: false });
    expect(tlsEnabled(byFlag)).toBe(true);
    const byUrl = descriptor.parseOptions({
      stream: 's',
      url: 'rediss://cache.example:6380',
      tlsCaFile: '/ca.pem',
      tlsServerName: 'redis.internal',
    });
    expect(tlsEnabled(byUrl)).toBe(true);
    expect(byUrl).toMatchObject({ tlsCaFile: '/ca.pem', tlsServerName: 'redis.internal' });
    const names = descriptor.describeOptions().map((o) => o.name);
    for (const name of ['tls', 'tlsCaFile', 'tlsCertFile', 'tlsKeyFile', 'tlsServerName'])
      expect(names).toContain(name);
    const described = descriptor.describeOptions();
    expect(described.find((o) => o.name === 'tlsKeyPassphrase')?.secret).toBe(true);
    expect(described.find((o) => o.name === 'url')?.description).toContain(
      '`rediss://` turns TLS on',
    );
    // The contract's descriptions, unchanged (tools/workspace.test.ts compares them too).
    for (const [name, field] of Object.entries(tlsOptionFields))
      expect(described.find((o) => o.name === name)?.description).toBe(field.meta()?.description);
  });

  it('a tls* option while TLS is off is refused at parse, not ignored', () => {
    expect(refusal({ tlsCaFile: '/ca.pem' })).toBe(
      `[transport:redis-streams] option "tlsCaFile": is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}`,
    );
    expect(refusal({ url: 'redis://h:1', tlsVerify: 'false' })).toContain('option "tlsVerify"');
    expect(refusal({ url: 'rediss://h:1', tls: 'false' })).toBe(
      '[transport:redis-streams] option "tls": is false but `url` is rediss:// (TLS); use a redis:// URL for plaintext',
    );
  });

  it('a TLS file is read at open, before any connection: missing is `tls` naming the option', async () => {
    const t = createRedisStreamsTransport({
      stream: 's',
      url: 'rediss://127.0.0.1:1',
      tlsCaFile: '/nonexistent/ca.pem',
    });
    const started = Date.now();
    const error = await t.open({ role: 'egress' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEdgeplaneError(error) && error.code).toBe('tls');
    expect((error as Error).message).toContain('"tlsCaFile"');
    expect(Date.now() - started).toBeLessThan(1000);
    await t.close();
  });

  it('no IP address is sent as SNI; a name is, and tlsServerName overrides it', async () => {
    const sni = async (url: string, extra: Record<string, unknown> = {}) => {
      const c = new Connections(descriptor.parseOptions({ stream: 's', url, tls: true, ...extra }));
      await c.prepare();
      const tls = c.cmd.options.tls as { servername?: string; rejectUnauthorized?: boolean };
      await c.close();
      return tls;
    };
    expect((await sni('redis://127.0.0.1:6380')).servername).toBeUndefined();
    expect((await sni('rediss://[::1]:6380')).servername).toBeUndefined();
    expect(await sni('rediss://cache.example:6380')).toEqual({
      servername: 'cache.example',
      rejectUnauthorized: true,
    });
    expect(
      await sni('rediss://10.0.0.5:6380', { tlsServerName: 'redis.internal', tlsVerify: false }),
    ).toEqual({ servername: 'redis.internal', rejectUnauthorized: false });
  });
});

describe('credentials in the URL', () => {
  it('are used (percent-decoded); the options override them', () => {
    const url = 'redis://app%40team:p%3Ass@h:6390/2';
    expect(clientOptions(descriptor.parseOptions({ stream: 's', url }))).toMatchObject({
      host: 'h',
      port: 6390,
      db: 2,
      username: 'app@team',
      password: 'p:ss',
    });
    expect(
      clientOptions(
        descriptor.parseOptions({ stream: 's', url, username: 'other', password: 'pw2' }),
      ),
    ).toMatchObject({ username: 'other', password: 'pw2' });
    expect(
      clientOptions(descriptor.parseOptions({ stream: 's', url: 'redis://:only-pw@h' })),
    ).toMatchObject({ username: undefined, password: 'only-pw' });
  });

  it('a user name without any password is refused (it would never be sent)', () => {
    expect(refusal({ url: 'redis://app@h:6379' })).toContain(
      'option "url": a user name needs a password',
    );
    expect(refusal({ username: 'app' })).toContain(
      'option "username": a user name needs a password',
    );
    expect(
      descriptor.parseOptions({ stream: 's', url: 'redis://app@h', password: 'x' }),
    ).toBeTruthy();
  });

  it('query parameters and a non-numeric database are refused, without repeating the URL', () => {
    for (const url of ['redis://h:1/?password=hunter22', 'redis://h:1/db0', 'redis://h:1#x']) {
      const message = refusal({ url });
      expect(message).toContain('option "url": expected no query or fragment');
      expect(message).not.toContain('hunter22');
    }
  });
});
