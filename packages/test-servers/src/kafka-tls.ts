import { readFileSync } from 'node:fs';
import type { TestPki } from './pki.js';

/** A TLS listener of a private Kafka broker (`PrivateKafkaOptions.tls`). */
export interface KafkaTlsListener {
  /** The PKI whose `server` certificate the broker presents and whose `ca` it trusts for clients. */
  readonly pki: TestPki;
  /** Port on 127.0.0.1. Default: a free port picked at start. */
  readonly port?: number;
  /** Ask for a client certificate and refuse a connection without one. Default true. */
  readonly clientAuth?: boolean;
}

/** A PEM file as one `server.properties` value (Java properties read `\n` as a newline). */
const inline = (file: string): string => readFileSync(file, 'utf8').trim().replace(/\r?\n/g, '\\n');

/**
 * Adds to a broker's `server.properties` lines a TLS listener on 127.0.0.1:`port` beside its
 * plaintext one: `SASL_SSL` with the PLAIN mechanism when `jaas` (the plaintext listener's JAAS
 * config) is given, else `SSL`. The key store is PEM given inline (`ssl.keystore.key` may then be
 * an unencrypted PKCS#8 key, which a PEM key store *file* may not), the trust store is the PKI's
 * CA file, and client certificates are required unless `clientAuth: false`.
 */
export function addKafkaTlsListener(
  lines: Record<string, string>,
  tls: KafkaTlsListener,
  port: number,
  jaas: string | undefined,
): void {
  const name = jaas ? 'SASL_SSL' : 'SSL';
  lines.listeners = `${lines.listeners},${name}://127.0.0.1:${port}`;
  lines['advertised.listeners'] = `${lines['advertised.listeners']},${name}://127.0.0.1:${port}`;
  lines['listener.security.protocol.map'] =
    `${lines['listener.security.protocol.map']},${name}:${name}`;
  if (jaas) lines['listener.name.sasl_ssl.plain.sasl.jaas.config'] = jaas;
  lines['ssl.keystore.type'] = 'PEM';
  lines['ssl.keystore.certificate.chain'] = inline(tls.pki.server.cert);
  lines['ssl.keystore.key'] = inline(tls.pki.server.key);
  lines['ssl.truststore.type'] = 'PEM';
  lines['ssl.truststore.location'] = tls.pki.ca;
  // a SASL_SSL listener heeds `ssl.client.auth` only under its listener prefix (KIP-684)
  lines[`listener.name.${name.toLowerCase()}.ssl.client.auth`] =
    tls.clientAuth === false ? 'none' : 'required';
}
