import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { target } from './connection.js';
import { postgresTransport } from './transport.js';

const refused = (input: unknown): string => {
  try {
    postgresTransport.parseOptions(input);
  } catch (error) {
    expect(isEdgeplaneError(error)).toBe(true);
    if (isEdgeplaneError(error)) {
      expect(error.code).toBe('invalid-config');
      return error.message;
    }
  }
  throw new Error('the options were accepted');
};

describe('postgres options', () => {
  it('fills the defaults', () => {
    const o = postgresTransport.parseOptions({ table: 'events' });
    expect(o).toMatchObject({
      url: 'postgres://postgres@127.0.0.1:5432/postgres',
      mode: 'single',
      orderBy: 'id',
      onAck: 'delete',
      writeMode: 'copy',
      dedupe: true,
      payloadType: 'bytea',
      batchSize: 1000,
      createTable: false,
    });
  });

  it('takes strings from the adapter config', () => {
    const o = postgresTransport.parseOptions({
      table: 'public.events',
      createTable: 'true',
      batchSize: '500',
      mode: 'shared',
      onAck: 'mark',
    });
    expect(o).toMatchObject({ createTable: true, batchSize: 500, mode: 'shared', onAck: 'mark' });
  });

  it('refuses a missing table, naming it', () => {
    expect(refused({})).toMatch(/table/);
  });

  it('refuses a bad enum, naming the option and the choices', () => {
    const message = refused({ table: 't', writeMode: 'fast' });
    expect(message).toMatch(/writeMode/);
    expect(message).toMatch(/copy/);
  });

  it('refuses a column name that is not an identifier', () => {
    expect(refused({ table: 't', orderBy: 'id; drop table t' })).toMatch(/orderBy/);
  });

  it('refuses a URL with a query string, without repeating the URL (it may hold a password)', () => {
    const message = refused({ table: 't', url: 'postgres://u:s3cret@h/db?sslmode=require' });
    expect(message).toMatch(/url/);
    expect(message).not.toContain('s3cret');
  });

  it('refuses a tls* option while TLS is off', () => {
    expect(refused({ table: 't', tlsCaFile: '/tmp/ca.pem' })).toMatch(/tlsCaFile.*tls=true/s);
  });

  it('refuses onAck=mark with doneColumn equal to orderBy', () => {
    expect(refused({ table: 't', mode: 'shared', onAck: 'mark', doneColumn: 'id' })).toMatch(
      /doneColumn/,
    );
  });

  it('marks url and password secret', () => {
    const secret = postgresTransport
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => o.name);
    expect(secret).toEqual(expect.arrayContaining(['url', 'password', 'tlsKeyPassphrase']));
  });

  it('reads user, password and database from the URL; options override them', () => {
    const o = postgresTransport.parseOptions({
      table: 't',
      url: 'postgres://ann:p%40ss@db.internal:6543/app',
    });
    expect(target(o)).toEqual({
      host: 'db.internal',
      port: 6543,
      database: 'app',
      username: 'ann',
      password: 'p@ss',
    });
    const p = postgresTransport.parseOptions({
      table: 't',
      url: 'postgres://ann:x@h/app',
      username: 'bob',
      password: 'y',
    });
    expect(target(p)).toMatchObject({ username: 'bob', password: 'y', port: 5432 });
  });

  it('declares replay and total order in mode=single only', () => {
    expect(
      postgresTransport.create(postgresTransport.parseOptions({ table: 't' })).capabilities,
    ).toMatchObject({ ordering: 'total', replay: true });
    expect(
      postgresTransport.create(postgresTransport.parseOptions({ table: 't', mode: 'shared' }))
        .capabilities,
    ).toMatchObject({ ordering: 'none', replay: false, redelivery: true });
  });
});
