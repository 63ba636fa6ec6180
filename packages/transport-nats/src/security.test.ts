import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { nkeys } from 'nats';
import { describe, expect, it } from 'vitest';
import { hostPort } from './diagnose.js';
import { loadSecurity } from './security.js';
import { natsTransport } from './transport.js';

const dir = mkdtempSync(join(tmpdir(), 'ep-nats-security-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const options = (extra: Record<string, string>) =>
  natsTransport.parseOptions({
    servers: 'nats://127.0.0.1:1',
    mode: 'core',
    subject: 'x',
    ...extra,
  });

async function refusal(extra: Record<string, string>) {
  try {
    await loadSecurity(options(extra));
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return {
      code: error.code,
      message: error.message,
      option: error.details?.option,
      hint: error.hint,
    };
  }
  throw new Error('expected a refusal');
}

describe('loadSecurity: files read and checked before dialling', () => {
  it('TLS off: nothing to load', async () => {
    const s = await loadSecurity(options({}));
    expect(s).toEqual({
      tls: false,
      tlsOptions: undefined,
      authenticator: undefined,
      clientCertificate: false,
    });
  });

  it('a tls:// URL turns TLS on; tlsVerify=false reaches this connection only', async () => {
    const s = await loadSecurity(
      natsTransport.parseOptions({
        servers: 'tls://127.0.0.1:1',
        mode: 'core',
        subject: 'x',
        tlsVerify: 'false',
      }),
    );
    expect(s.tls).toBe(true);
    // no servername: nats.js sends each server's host name, never an IP address (DEP0123)
    expect(s.tlsOptions).toEqual({ rejectUnauthorized: false });
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  });

  it('a missing TLS file is a tls error naming the option', async () => {
    expect(await refusal({ tls: 'true', tlsCaFile: join(dir, 'none.pem') })).toMatchObject({
      code: 'tls',
      option: 'tlsCaFile',
    });
  });

  it('an nkey seed file is read; a bad one is refused without printing it', async () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    const good = await loadSecurity(options({ nkeySeedFile: file('u.nk', `# user\n${seed}\n`) }));
    expect(typeof good.authenticator).toBe('function');
    const bad = await refusal({ nkeySeedFile: file('bad.nk', `${seed.slice(0, -3)}AAA\n`) });
    expect(bad).toMatchObject({ code: 'invalid-config', option: 'nkeySeedFile' });
    expect(bad.message).toMatch(/holds no valid user nkey seed/);
    expect(bad.message).not.toContain(seed.slice(0, 20));
    expect(await refusal({ nkeySeedFile: join(dir, 'missing.nk') })).toMatchObject({
      code: 'invalid-config',
      option: 'nkeySeedFile',
      message: expect.stringMatching(/does not exist/),
    });
    expect(await refusal({ nkeySeedFile: '/dev/zero' })).toMatchObject({ option: 'nkeySeedFile' });
  });

  it('a .creds file must hold a user JWT and a seed', async () => {
    const bad = await refusal({ credsFile: file('x.creds', 'not creds') });
    expect(bad).toMatchObject({ code: 'invalid-config', option: 'credsFile' });
    const creds = [
      '-----BEGIN NATS USER JWT-----',
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig',
      '------END NATS USER JWT------',
      '',
      '************************* IMPORTANT *************************',
      '-----BEGIN USER NKEY SEED-----',
      new TextDecoder().decode(nkeys.createUser().getSeed()),
      '------END USER NKEY SEED------',
      '',
    ].join('\n');
    const ok = await loadSecurity(options({ credsFile: file('u.creds', creds) }));
    expect(typeof ok.authenticator).toBe('function');
  });
});

describe('hostPort', () => {
  it('parses the server URL forms, ignoring credentials', () => {
    expect(hostPort('nats://u:p@example.org:4333')).toEqual({ host: 'example.org', port: 4333 });
    expect(hostPort('tls://[::1]:5')).toEqual({ host: '::1', port: 5 });
    expect(hostPort('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 4222 });
    expect(hostPort('ws://h:1')).toBeUndefined();
  });
});
