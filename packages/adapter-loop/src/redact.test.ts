import { describe, expect, it } from 'vitest';
import { isSecretKey, redactText } from './redact.js';

describe('redactText', () => {
  it('redacts URL passwords, with or without a user name', () => {
    expect(redactText('connect redis://:s3cret@127.0.0.1:6379 failed', [])).toBe(
      'connect redis://:[redacted]@127.0.0.1:6379 failed',
    );
    expect(redactText('amqp://guest:guest@host/', [])).toBe('amqp://guest:[redacted]@host/');
    expect(redactText('nats://s3cr3t-token@127.0.0.1:4222', [])).toBe(
      'nats://[redacted]@127.0.0.1:4222',
    );
    expect(redactText('see https://example.org/a@b and http://host/path', [])).toBe(
      'see https://example.org/a@b and http://host/path',
    );
  });
  it('redacts known secret values of 4+ characters everywhere', () => {
    expect(redactText('token abcd1234 in abcd1234', ['abcd1234', 'ab'])).toBe(
      'token [redacted] in [redacted]',
    );
  });
  it('recognises secret key names', () => {
    for (const k of [
      'password',
      'saslPassword',
      'apiKey',
      'BYTEOR_AGENT_API_KEY',
      'token',
      'privateKey',
      'credential',
    ])
      expect(isSecretKey(k)).toBe(true);
    for (const k of ['GH_PAT', 'GPG_KEY', 'SESSION_COOKIE', 'sshPassphrase'])
      expect(isSecretKey(k)).toBe(true);
    // Copied in clear into incident bundles before (issue 16).
    for (const k of [
      'SCRAM_PW',
      'DB_PWD',
      'MYSQL_PWD',
      'NATS_NKEY_SEED',
      'SIGNING_SEED',
      'JWT',
      'BEARER',
      'KAFKA_SASL_JAAS_CONFIG',
      'ACCESSKEY',
      'S3_ACCESS_KEY_ID',
    ])
      expect(isSecretKey(k)).toBe(true);
    // config keys, dotted and camelCase (operator trial)
    for (const k of [
      'stages.forward.pwd',
      'stages.forward.signingKey',
      'pw',
      'dbPwd',
      'dbPw',
      'privKey',
      'key',
      'hmac',
      'stages.x.dsn',
      'SENTRY_DSN',
    ])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['keyHeader', 'keyField', 'PWD', 'OLDPWD', 'stages.x.hotkeys', 'tlsKeyFile'])
      expect(isSecretKey(k), k).toBe(false);
    // Where a secret is kept is printable: an error about the file must name it.
    for (const k of [
      'nkeySeedFile',
      'saslOauthBearerTokenFile',
      'NATS_NKEY_SEED_FILE',
      'TOKEN_PATH',
    ])
      expect(isSecretKey(k)).toBe(false);
    for (const k of [
      'path',
      'topic',
      'brokers',
      'keyField',
      'PATH',
      'KEYBOARD',
      'sessionTimeoutMs',
      'PWD',
      'OLDPWD',
      'accessKeyId',
    ])
      expect(isSecretKey(k)).toBe(false);
  });
});
