import { freePort } from './net.js';
import type { TestPki } from './pki.js';
import {
  type PrivateRabbitmq,
  type PrivateRabbitmqOptions,
  privateRabbitmq,
} from './rabbitmq-private.js';

/** What `privateRabbitmqTls` adds to a private node: a stream TLS listener and a user. */
export interface PrivateRabbitmqTlsOptions extends PrivateRabbitmqOptions {
  /** The PKI whose `server` certificate the listener presents and whose `ca` it trusts. */
  readonly pki: TestPki;
  /** User created with `password` (full permissions on `/`). Default `edgeplane`. */
  readonly username?: string;
  readonly password: string;
}

/** A private RabbitMQ node with a stream TLS listener (mutual TLS) besides the plaintext one. */
export interface PrivateRabbitmqTls extends PrivateRabbitmq {
  /** Stream TLS port: presents `pki.server`, requires a client certificate signed by `pki.ca`. */
  readonly tlsPort: number;
  readonly username: string;
  readonly password: string;
}

/**
 * Starts `privateRabbitmq` with `stream.listeners.ssl` on a free loopback port, the node's
 * `ssl_options` set to the test PKI (`verify_peer`, `fail_if_no_peer_cert`: a client
 * certificate is required), the TLS port advertised as `127.0.0.1:<tlsPort>` (clients reconnect
 * to the advertised address), and a user with a password. The plaintext stream port stays (for
 * `tlsProxy`, and the readiness check). Erlang/OTP reads the PKI's PKCS#8 EC keys as they are.
 */
export async function privateRabbitmqTls(
  options: PrivateRabbitmqTlsOptions,
): Promise<PrivateRabbitmqTls> {
  const { pki, username = 'edgeplane', password, ...rest } = options;
  const tlsPort = await freePort();
  const node = await privateRabbitmq({
    ...rest,
    conf: {
      'stream.listeners.ssl.default': `127.0.0.1:${tlsPort}`,
      'stream.advertised_tls_host': '127.0.0.1',
      'stream.advertised_tls_port': String(tlsPort),
      'ssl_options.cacertfile': pki.ca,
      'ssl_options.certfile': pki.server.cert,
      'ssl_options.keyfile': pki.server.key,
      'ssl_options.verify': 'verify_peer',
      'ssl_options.fail_if_no_peer_cert': 'true',
      ...rest.conf,
    },
  });
  try {
    await node.ctl(['add_user', username, password]);
    await node.ctl(['set_permissions', '-p', '/', username, '.*', '.*', '.*']);
  } catch (error) {
    await node.dispose();
    throw error;
  }
  return Object.assign(node, { tlsPort, username, password });
}
