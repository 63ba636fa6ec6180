import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');

/** Variables a secret-name pattern missed: their values were copied into bundles (issue 16). */
const LEAKED_BEFORE: Record<string, string> = {
  SCRAM_PW: 'scram-pw-7f3a91',
  DB_PWD: 'db-pwd-2b8c44',
  MYSQL_PWD: 'mysql-pwd-9d1e07',
  NATS_NKEY_SEED: 'SUACnkey-seed-55aa10',
  SIGNING_SEED: 'signing-seed-c0ffee',
  JWT: 'eyJhbGciOiJFZERTQSJ9.jwt-body-31337',
  BEARER: 'bearer-value-8e8e8e',
  KAFKA_SASL_JAAS_CONFIG:
    'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="jaas-pw-4242";',
  ACCESSKEY: 'AKIAaccesskey-6c6c6c',
};

describe('incident-bundle environment.json (allow-list)', () => {
  it('records values only for BYTEOR_*, EDGEPLANE_*, NODE_* and config variables', () => {
    // The config interpolates CKPT (not secret) and DB_PWD (a secret by name).
    const config = `${CONFIG.replace('/out.log', '/out-${DB_PWD}.log')}ingress.checkpointPath=\${CKPT}\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config });
    const env = {
      PATH: process.env.PATH ?? '',
      ...LEAKED_BEFORE,
      BYTEOR_AGENT_API_KEY: 'agent-api-key-0a0a0a',
      BYTEOR_AGENT_ID: 'agent-7',
      EDGEPLANE_DEBUG: '0',
      NODE_ENV: 'production',
      CKPT: 'ck.offset',
      BUNDLE_TAG: 'tag-value-1d1d1d',
    };
    const r = spawnSync(
      process.execPath,
      [CLI, 'incident-bundle', '--out=bundle', `--lane-path=lane-${env.BUNDLE_TAG}`],
      { cwd, env, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const record = JSON.parse(readFileSync(join(cwd, 'bundle/environment.json'), 'utf8')) as {
      env: [string, string | null][];
      args: string[];
    };
    const recorded = new Map(record.env);
    for (const name of Object.keys(LEAKED_BEFORE)) {
      expect(recorded.has(name), name).toBe(true);
      // DB_PWD is interpolated by the config: on the allow-list, and redacted (a secret name).
      expect(recorded.get(name), name).toBe(name === 'DB_PWD' ? '[redacted]' : null);
    }
    expect(recorded.get('BYTEOR_AGENT_API_KEY')).toBe('[redacted]');
    expect(recorded.get('BYTEOR_AGENT_ID')).toBe('agent-7');
    expect(recorded.get('EDGEPLANE_DEBUG')).toBe('0');
    expect(recorded.get('NODE_ENV')).toBe('production');
    expect(recorded.get('CKPT')).toBe('ck.offset');
    expect(recorded.get('BUNDLE_TAG')).toBeNull();
    expect(recorded.get('PATH')).toBeNull();
    // argv carries a value whose variable is not recorded: scrubbed there too.
    expect(record.args).toEqual(['incident-bundle', '--out=bundle', '--lane-path=lane-[redacted]']);
    // No secret value in any file of the bundle.
    const files = readdirSync(join(cwd, 'bundle'));
    expect(files).toContain('adapters.kv');
    for (const file of files) {
      const text = readFileSync(join(cwd, 'bundle', file), 'utf8');
      for (const [name, value] of Object.entries(LEAKED_BEFORE))
        expect(text, `${file}: ${name}`).not.toContain(value);
      expect(text, file).not.toContain('agent-api-key-0a0a0a');
      if (file.endsWith('.json')) expect(() => JSON.parse(text), file).not.toThrow();
    }
  });
});
