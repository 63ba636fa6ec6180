import { describe, expect, it } from 'vitest';
import { bundleSecrets, environmentRecord } from './environment.js';

/** Variables a name pattern used to miss (issue 16): each must be recorded by name only. */
const LEAKED_BEFORE: Record<string, string> = {
  SCRAM_PW: 'scram-pw-value-1',
  DB_PWD: 'db-pwd-value-2',
  MYSQL_PWD: 'mysql-pwd-value-3',
  NATS_NKEY_SEED: 'SUAnkey-seed-value-4',
  SIGNING_SEED: 'signing-seed-value-5',
  JWT: 'eyJhbGciOi.jwt-value-6',
  BEARER: 'bearer-value-7',
  KAFKA_SASL_JAAS_CONFIG: 'org.apache.kafka.PlainLoginModule required password="jaas-value-8";',
  ACCESSKEY: 'AKIAaccesskey-value-9',
};

const record = (
  env: Record<string, string | undefined>,
  extra: Partial<Parameters<typeof environmentRecord>[0]> = {},
) => environmentRecord({ env, args: [], cwd: '/work', secrets: [], ...extra });
const recorded = (r: ReturnType<typeof record>, name: string) =>
  r.env.find(([k]) => k === name)?.[1];

describe('environmentRecord', () => {
  it('records the names of variables outside the allow-list, never their values', () => {
    const r = record({ ...LEAKED_BEFORE, HOME: '/home/op', SOMETHING: 'plain-value' });
    for (const name of [...Object.keys(LEAKED_BEFORE), 'HOME', 'SOMETHING'])
      expect(recorded(r, name), name).toBeNull();
    const text = JSON.stringify(r);
    for (const value of Object.values(LEAKED_BEFORE)) expect(text).not.toContain(value);
    expect(text).not.toContain('plain-value');
  });

  it('records the values of BYTEOR_*, EDGEPLANE_* and NODE_* variables, sorted by name', () => {
    const r = record({
      NODE_ENV: 'production',
      EDGEPLANE_DEBUG: '1',
      BYTEOR_API_BASE_URL: 'https://cp.example',
      BYTEOR_AGENT_ID: 'agent-1',
      ZZZ: 'z',
    });
    expect(r.env).toEqual([
      ['BYTEOR_AGENT_ID', 'agent-1'],
      ['BYTEOR_API_BASE_URL', 'https://cp.example'],
      ['EDGEPLANE_DEBUG', '1'],
      ['NODE_ENV', 'production'],
      ['ZZZ', null],
    ]);
  });

  it('redacts allow-listed variables whose name names a secret, BYTEOR_AGENT_API_KEY always', () => {
    const r = record({
      BYTEOR_AGENT_API_KEY: 'agent-key-value',
      EDGEPLANE_DB_PWD: 'pwd-value',
      EDGEPLANE_SIGNING_SEED: 'seed-value',
      EDGEPLANE_URL: 'redis://user:url-password@host:6379',
    });
    expect(recorded(r, 'BYTEOR_AGENT_API_KEY')).toBe('[redacted]');
    expect(recorded(r, 'EDGEPLANE_DB_PWD')).toBe('[redacted]');
    expect(recorded(r, 'EDGEPLANE_SIGNING_SEED')).toBe('[redacted]');
    expect(recorded(r, 'EDGEPLANE_URL')).toBe('redis://user:[redacted]@host:6379');
  });

  it('records config variables, redacted when they feed a secret or name one', () => {
    const r = record(
      { KAFKA_BROKERS: 'b1:9092', BROKER_LOGIN: 'login-secret', SCRAM_PW: 'pw', OTHER: 'o' },
      {
        configVariables: [
          { name: 'KAFKA_BROKERS', secret: false },
          { name: 'BROKER_LOGIN', secret: false },
          { name: 'BROKER_LOGIN', secret: true },
          { name: 'SCRAM_PW', secret: false },
        ],
      },
    );
    expect(recorded(r, 'KAFKA_BROKERS')).toBe('b1:9092');
    expect(recorded(r, 'BROKER_LOGIN')).toBe('[redacted]');
    expect(recorded(r, 'SCRAM_PW')).toBe('[redacted]');
    expect(recorded(r, 'OTHER')).toBeNull();
  });

  it('redacts an approval credential given inline (`--approval=<compact JWS>`), keeps a path', () => {
    const jws = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlU0VDUkVU';
    const r = record({}, { args: [`--approval=${jws}`, '--approval=./approval.cred'] });
    expect(r.args).toEqual(['--approval=[redacted]', '--approval=./approval.cred']);
  });

  it('scrubs known secrets from recorded values and hidden values from args', () => {
    const r = record(
      {
        ...LEAKED_BEFORE,
        EDGEPLANE_NOTE: 'uses config-secret-1 inside',
        HOME: '/home/op',
        PLAIN_THING: 'plain-thing-value',
      },
      {
        secrets: ['config-secret-1'],
        args: [
          'node',
          'cli.js',
          `--x=${LEAKED_BEFORE.SIGNING_SEED}`,
          '--y=config-secret-1',
          '--z=plain-thing-value',
          '--out=/home/op/bundle',
        ],
      },
    );
    expect(recorded(r, 'EDGEPLANE_NOTE')).toBe('uses [redacted] inside');
    expect(r.args).toEqual([
      'node',
      'cli.js',
      '--x=[redacted]',
      '--y=[redacted]',
      '--z=[redacted]',
      // HOME is not recorded, but a system path is not a secret: argv stays readable.
      '--out=/home/op/bundle',
    ]);
  });

  it('replaces a secret whole even when a shorter secret is part of it', () => {
    const r = record(
      { SIGNING_SEED: 'abcd-efgh-ijkl' },
      { secrets: ['abcd'], args: ['--a=abcd-efgh-ijkl'] },
    );
    expect(r.args).toEqual(['--a=[redacted]']);
  });

  it('records pid, cwd and /proc/self/status without any environment value', () => {
    const r = record({ ...LEAKED_BEFORE }, { cwd: '/srv/app' });
    expect(r.pid).toBe(process.pid);
    expect(r.cwd).toBe('/srv/app');
    if (r.proc_status !== null) {
      expect(r.proc_status).toMatch(/^Name:/m);
      for (const value of Object.values(LEAKED_BEFORE)) expect(r.proc_status).not.toContain(value);
    }
  });
});

describe('bundleSecrets', () => {
  it('collects given secrets and the values of secret-named and secret config variables', () => {
    const s = bundleSecrets({
      env: { JWT: 'jwt-v', PLAIN: 'plain-v', LOGIN: 'login-v', BYTEOR_AGENT_API_KEY: 'k-v' },
      args: [],
      cwd: '/',
      secrets: ['cfg-secret'],
      configVariables: [{ name: 'LOGIN', secret: true }],
    });
    expect(new Set(s)).toEqual(new Set(['cfg-secret', 'jwt-v', 'login-v', 'k-v']));
  });
});
