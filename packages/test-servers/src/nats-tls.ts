import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DisposablePrivateServer, privateNats } from './private.js';

/** What `privateNatsTls` configures: TLS (mutual by default) and the users it accepts. */
export interface PrivateNatsTlsOptions {
  /** PEM files of the certificate the server presents and its key. */
  readonly cert: string;
  readonly key: string;
  /** PEM file of the CA that client certificates must chain to. */
  readonly ca: string;
  /** Require a client certificate signed by `ca` (`verify: true`). Default true. */
  readonly verifyClients?: boolean | undefined;
  /** Users with a password. */
  readonly users?: readonly { readonly user: string; readonly password: string }[] | undefined;
  /** Public nkeys (`U…`) of users that authenticate by signing the server's nonce. */
  readonly nkeys?: readonly string[] | undefined;
}

/**
 * A private `nats-server -js` (see `privateNats`) with a `tls {}` block — the server presents
 * `cert`, and with `verifyClients` (default) refuses a client without a certificate signed by
 * `ca` — and, when users or nkeys are given, an `authorization {}` block. NATS greets in plaintext
 * (INFO with `tls_required`) and upgrades, so a TLS proxy cannot stand in front of it: a test that
 * needs another server certificate starts another one of these (it is cheap).
 */
export function privateNatsTls(options: PrivateNatsTlsOptions): Promise<DisposablePrivateServer> {
  return privateNats({ args: ['-c', natsTlsConfig(options)] });
}

/**
 * Writes the nats-server configuration file of `privateNatsTls` and returns its path: to restart
 * a server with other settings, `server.start(['-c', natsTlsConfig(...)])` (the last `-c` wins).
 */
export function natsTlsConfig(options: PrivateNatsTlsOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-nats-tls-'));
  const q = JSON.stringify;
  const users = [
    ...(options.users ?? []).map((u) => `    { user: ${q(u.user)}, password: ${q(u.password)} }`),
    ...(options.nkeys ?? []).map((k) => `    { nkey: ${q(k)} }`),
  ];
  const conf = [
    'tls {',
    `  cert_file: ${q(options.cert)}`,
    `  key_file: ${q(options.key)}`,
    `  ca_file: ${q(options.ca)}`,
    `  verify: ${options.verifyClients === false ? 'false' : 'true'}`,
    '  timeout: 2',
    '}',
    ...(users.length > 0 ? ['authorization {', '  users: [', ...users, '  ]', '}'] : []),
    '',
  ].join('\n');
  const file = join(dir, 'nats-tls.conf');
  writeFileSync(file, conf, { mode: 0o600 });
  return file;
}
