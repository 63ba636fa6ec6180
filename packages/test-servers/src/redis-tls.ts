import { freePort, waitForTcp } from './net.js';
import type { TestPki } from './pki.js';
import { type DisposablePrivateServer, privateRedis } from './private.js';

/** Options of `privateRedisTls()`. */
export interface PrivateRedisTlsOptions {
  /** The test PKI (`createTestPki()`): the server presents `pki.server`, trusts `pki.ca`. */
  readonly pki: TestPki;
  /** The ACL user the tests authenticate as. Default `edgeplane`. */
  readonly user?: string | undefined;
  /** Its password. */
  readonly password: string;
}

/** A private Redis with a TLS port (client certificates required) and an ACL user. */
export interface PrivateRedisTls {
  /** The server; its `port`/`url` are the plaintext port (for `tlsProxy`, and checks). */
  readonly server: DisposablePrivateServer;
  /** The TLS port: mutual TLS required (`--tls-auth-clients yes`). */
  readonly tlsPort: number;
  /** `rediss://127.0.0.1:<tlsPort>` (no credentials). */
  readonly tlsUrl: string;
  readonly user: string;
  readonly password: string;
}

/**
 * A `privateRedis()` that also listens for TLS on a second free port (`--tls-port`, the test
 * PKI's server certificate, client certificates signed by its CA required), with the `default`
 * user switched off and one ACL user with a password: every command needs `AUTH user password`,
 * on both ports. Needs a redis-server built with TLS (6.0+; Debian's is).
 */
export async function privateRedisTls(options: PrivateRedisTlsOptions): Promise<PrivateRedisTls> {
  const { pki, password } = options;
  const user = options.user ?? 'edgeplane';
  const tlsPort = await freePort();
  // biome-ignore format: one flag and its value per line
  const args = [
    '--tls-port', String(tlsPort),
    '--tls-cert-file', pki.server.cert,
    '--tls-key-file', pki.server.key,
    '--tls-ca-cert-file', pki.ca,
    '--tls-auth-clients', 'yes',
    '--user', 'default', 'off',
    '--user', user, 'on', `>${password}`, '~*', '&*', '+@all',
  ];
  const server = await privateRedis({ args });
  try {
    await waitForTcp('127.0.0.1', tlsPort, 10_000);
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return { server, tlsPort, tlsUrl: `rediss://127.0.0.1:${tlsPort}`, user, password };
}
