import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { mqttTransport } from '../src/index.js';
import { mosquitto } from './mosquitto.js';

/** Opens a transport made from adapter-config strings; resolves with the error it fails with. */
async function openError(options: Record<string, string>) {
  const transport = mqttTransport.create(
    mqttTransport.parseOptions({
      topic: 'edgeplane-tls/t',
      clientId: `tls-${Date.now()}`,
      ...options,
    }),
  );
  try {
    await transport.open({ role: 'egress' });
  } catch (error) {
    if (isEdgeplaneError(error)) return error;
    throw error;
  } finally {
    await transport.close();
  }
  throw new Error('open() did not fail');
}

describe('the shared TLS options, as a third-party transport declares them', () => {
  it('lists them with the contract’s descriptions, the passphrase secret', () => {
    const names = new Map(mqttTransport.describeOptions().map((o) => [o.name, o]));
    for (const name of [
      'tls',
      'tlsCaFile',
      'tlsCertFile',
      'tlsKeyFile',
      'tlsServerName',
      'tlsVerify',
    ])
      expect(names.has(name)).toBe(true);
    expect(names.get('tlsKeyPassphrase')?.secret).toBe(true);
  });

  it('refuses a TLS file while TLS is off, saying how to turn it on', async () => {
    const { url } = await mosquitto();
    const error = await openError({ url, tlsCaFile: '/etc/hostname' });
    expect(error.code).toBe('invalid-config');
    expect(error.details?.option).toBe('tlsCaFile');
    expect(error.hint).toContain('mqtts://');
  });

  it('a CA file that does not exist is a tls error naming the option, before connecting', async () => {
    const error = await openError({
      url: 'mqtts://127.0.0.1:8883',
      tlsCaFile: '/nonexistent/ca.pem',
    });
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe('tlsCaFile');
  });

  it('TLS spoken to the plaintext broker is a tls error naming `tls`, not a retry', async () => {
    const { host, port } = await mosquitto();
    const error = await openError({ url: `mqtts://${host}:${port}`, connectTimeoutMs: '3000' });
    expect(error.code).toBe('tls');
    expect(error.details?.option).toBe('tls');
    expect(error.retryable).toBe(false);
  });
});
