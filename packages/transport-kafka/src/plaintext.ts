import {
  type EdgeplaneError,
  isEdgeplaneError,
  plaintextToTlsPortError,
  probeTlsPort,
} from '@edgeplane/adapter-loop/transport';
import { ENABLE_TLS_HINT } from './client.js';
import { COMPONENT } from './errors.js';
import { type ResolvedKafkaOptions, tlsSettings } from './options.js';

/**
 * Codes an `open()` over plaintext fails with when the port speaks TLS (the client cannot tell:
 * with SASL on, the TLS alert read as a SASL handshake answer is "no suitable SASL mechanism").
 */
const SUSPECT = new Set([
  'unavailable',
  'timeout',
  'invalid-config',
  'protocol',
  'internal',
  'unauthenticated',
]);

/**
 * The error of an `open()` that failed: when TLS is off and a bootstrap broker answers a TLS
 * handshake, `plaintextToTlsPortError` saying to set `tls=true`; else `error` unchanged. Only
 * bootstrap brokers are probed (1 s each at most), and only after a failure.
 */
export async function plaintextToTlsPort(
  options: ResolvedKafkaOptions,
  error: unknown,
): Promise<unknown> {
  if (tlsSettings(options).tls === true) return error;
  if (!isEdgeplaneError(error) || !SUSPECT.has((error as EdgeplaneError).code)) return error;
  for (const broker of options.brokers) {
    const at = broker.lastIndexOf(':');
    const host = broker.slice(0, at).replace(/^\[|\]$/g, '');
    if (await probeTlsPort(host, Number(broker.slice(at + 1))))
      return plaintextToTlsPortError(COMPONENT, broker, ENABLE_TLS_HINT, error);
  }
  return error;
}
