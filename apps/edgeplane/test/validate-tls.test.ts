import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, SPEC, workdir } from './helpers.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** `validate` on a file → redis-streams config with these egress options (no server is needed). */
async function validate(egress: Record<string, string>) {
  const config = [
    'ingress.transport=file',
    'ingress.path=${EDGEPLANE_CONFIG_DIR}/in.log',
    'egress.transport=redis-streams',
    'egress.url=rediss://127.0.0.1:6390',
    'egress.stream=s',
    ...Object.entries(egress).map(([k, v]) => `egress.${k}=${v}`),
  ].join('\n');
  const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config });
  return cli(['validate', '--spec=spec.kv'], { cwd });
}

describe('edgeplane validate checks the TLS files, as run does before opening (issue 16)', () => {
  it('accepts good files', async () => {
    const r = await validate({
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it.each([
    [
      'a missing CA file',
      () => ({ tlsCaFile: `${pki.dir}/nope.pem` }),
      'tlsCaFile',
      /does not exist/,
    ],
    ['a device as CA file', () => ({ tlsCaFile: '/dev/zero' }), 'tlsCaFile', /not a regular file/],
    ['a CA file that is not PEM', () => ({ tlsCaFile: pki.notPem }), 'tlsCaFile', /not a PEM file/],
    [
      'a key that is not the certificate’s',
      () => ({ tlsCertFile: pki.client.cert, tlsKeyFile: pki.server.key }),
      'tlsKeyFile',
      /is not the key of/,
    ],
    [
      'an encrypted key without its passphrase',
      () => ({ tlsCertFile: pki.client.cert, tlsKeyFile: pki.clientKeyEncrypted }),
      'tlsKeyPassphrase',
      /encrypted/,
    ],
    [
      'an expired client certificate',
      () => ({ tlsCertFile: pki.clientExpired.cert, tlsKeyFile: pki.clientExpired.key }),
      'tlsCertFile',
      /expired/,
    ],
  ])('refuses %s with exit 2, naming the option', async (_name, options, option, message) => {
    const r = await validate(options());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`"${option}"`);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint:/);
  });

  it('warns about tlsVerify=false, saying that a tlsCaFile is not used then', async () => {
    const r = await validate({ tlsVerify: 'false' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "adapters.kv: warning: egress (redis-streams): tlsVerify=false: the server's certificate is not verified, so anyone",
    );
    const withCa = await validate({ tlsVerify: 'false', tlsCaFile: pki.ca });
    expect(withCa.code).toBe(0);
    expect(withCa.stderr).toContain('is not verified (not even against tlsCaFile)');
  });
});
