import { describe, expect, it } from 'vitest';
import { type ErrorContext, postgresError } from './errors.js';

/** A server error as the client raises it (class name and SQLSTATE `code`). */
const serverError = (code: string, message = 'x') =>
  Object.assign(new Error(message), { name: 'PostgresError', code });
const at: ErrorContext = { action: 'write to table "t"', server: '127.0.0.1:5432', tls: false };

describe('postgres error mapping', () => {
  it('wrong password (28P01) is unauthenticated naming `password`', () => {
    const e = postgresError(serverError('28P01'), at);
    expect(e.code).toBe('unauthenticated');
    expect(e.hint).toMatch(/`password`/);
    expect(e.message).toBe(
      '[transport:postgres] cannot write to table "t" on 127.0.0.1:5432: password authentication failed (28P01: x)',
    );
  });

  it('another authorization failure (28xxx) is unauthenticated naming the user', () => {
    const e = postgresError(serverError('28000'), { ...at, tls: undefined });
    expect(e.code).toBe('unauthenticated');
    expect(e.hint).toMatch(/`username`/);
  });

  it('pg_hba refusing a plaintext connection is tls naming option "tls"', () => {
    const e = postgresError(
      serverError(
        '28000',
        'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption',
      ),
      at,
    );
    expect(e.code).toBe('tls');
    expect(e.message).toMatch(/option "tls"/);
    expect(e.hint).toMatch(/tls=true/);
  });

  it('an unknown role (28000 too) over plaintext is unauthenticated, not a TLS problem', () => {
    const e = postgresError(serverError('28000', 'role "nosuchuser" does not exist'), at);
    expect(e.code).toBe('unauthenticated');
    expect(e.message).toMatch(/role "nosuchuser" does not exist/);
    expect(e.hint).toMatch(/`username`/);
  });

  it('refused over TLS without a client certificate is tls naming "tlsCertFile"', () => {
    const e = postgresError(
      serverError('28000', 'connection requires a valid client certificate'),
      {
        ...at,
        tls: true,
        clientCert: false,
      },
    );
    expect(e.code).toBe('tls');
    expect(e.message).toMatch(/option "tlsCertFile"/);
  });

  it('a missing table (42P01) is not-found with the fix createTable=true', () => {
    const e = postgresError(serverError('42P01'), at);
    expect(e.code).toBe('not-found');
    expect(e.hint).toMatch(/createTable=true/);
    expect(e.hint).toMatch(/`table`/);
  });

  it.each(['08006', '57P01', '40001', '40P01', '53300'])(
    '%s is retryable (unavailable)',
    (state) => {
      const e = postgresError(serverError(state), at);
      expect(e.code).toBe('unavailable');
      expect(e.retryable).toBe(true);
    },
  );

  it('a data exception (22xxx) is invalid-input', () => {
    expect(postgresError(serverError('22P05'), at).code).toBe('invalid-input');
  });

  it('socket and client connection codes are unavailable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT']) {
      const e = postgresError(Object.assign(new Error('boom'), { code }), at);
      expect(e.code).toBe('unavailable');
      expect(e.message).toContain(`(${code})`);
    }
  });

  it('a certificate problem is a tls error naming the option', () => {
    const e = postgresError(
      Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
      { ...at, tls: true },
    );
    expect(e.code).toBe('tls');
    expect(e.message).toMatch(/tlsCaFile/);
  });
});
