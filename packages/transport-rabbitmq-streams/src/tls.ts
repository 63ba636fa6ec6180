import { connect } from 'node:tls';
import {
  EdgeplaneError,
  type LoadedTls,
  loadTls,
  plaintextToTlsPortError,
  probeTlsPort,
  type TlsOptions,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { TLS_FOR_HOST, type TlsForHost } from './compat.js';
import { COMPONENT } from './errors.js';
import type { ConnectionTarget } from './url.js';

/** How TLS is turned on for this transport (the hint of every "TLS is off" error). */
export const ENABLE_TLS_HINT =
  "use a `rabbitmq-stream+tls://` url or set tls=true to speak TLS to this port (the broker's `stream.listeners.ssl`, 5551 by default)";

/** How TLS is turned off, for TLS spoken to a plaintext port. */
const DISABLE_TLS_HINT =
  "use the broker's TLS port (`stream.listeners.ssl`, 5551 by default), or a `rabbitmq-stream://` url without tls=true for its plaintext port (5552)";

/**
 * The TLS settings of one transport: `enabled` from the url scheme or `tls=true`; `loaded` once
 * `load()` has read and checked the files (at the first `open()`, before connecting).
 */
export type { TlsForHost };

export class StreamTls {
  private loaded: LoadedTls | undefined;

  constructor(
    private readonly options: TlsOptions,
    readonly enabled: boolean,
  ) {}

  /** Reads and checks the files (once): `tls` / `invalid-config` errors naming the option. */
  async load(): Promise<void> {
    this.loaded ??= await loadTls(this.options, {
      component: COMPONENT,
      enabled: this.enabled,
      enableHint: ENABLE_TLS_HINT,
    });
  }

  /**
   * The client's `ssl` parameter: undefined for plaintext; otherwise an object the compat shim
   * turns into `tls.connect` options for the host each connection dials (the url's, or the node
   * the broker advertises), so SNI and the host-name check follow that host and an IP address is
   * never sent as SNI.
   */
  ssl(): TlsForHost | undefined {
    if (!this.enabled) return undefined;
    const loaded = this.loaded;
    if (!loaded) throw new Error('StreamTls.load() must run before connecting');
    return { [TLS_FOR_HOST]: (host: string) => tlsConnectOptions(loaded, host) };
  }
}

/**
 * A plaintext connection that failed during `open()`: when the port answers TLS, the error says
 * so (and how to turn TLS on) instead of "connection closed". `undefined` when it does not.
 */
export async function plaintextToTlsPort(
  target: ConnectionTarget,
  cause: unknown,
): Promise<EdgeplaneError | undefined> {
  if (!(await probeTlsPort(target.hostname, target.port))) return undefined;
  return plaintextToTlsPortError(COMPONENT, target.where, ENABLE_TLS_HINT, cause);
}

/**
 * Whether `host:port` accepts TCP but ends a TLS handshake without a TLS answer (a RabbitMQ
 * plaintext stream port resets it). False when it answers TLS (even an alert), refuses the
 * connection, or says nothing within `timeoutMs`. Never throws.
 */
export function isPlaintextPort(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let tcp = false;
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: [] });
    const finish = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    socket.once('connect', () => {
      tcp = true;
    });
    socket.once('secureConnect', () => finish(false));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const notTls = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|ECONNRESET|EPIPE/.test(
        error.code ?? '',
      );
      finish(tcp && notTls);
    });
    socket.once('close', () => finish(tcp));
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref?.();
  });
}

/**
 * A TLS connection that failed during `open()` before any TLS answer: when the port speaks
 * plaintext, a permanent `tls` error saying so, instead of "connection reset" retried.
 */
export async function tlsToPlaintextPort(
  target: ConnectionTarget,
  cause: EdgeplaneError,
): Promise<EdgeplaneError | undefined> {
  if (!(await isPlaintextPort(target.hostname, target.port))) return undefined;
  return new EdgeplaneError(
    'tls',
    COMPONENT,
    `${target.where} does not answer in TLS (a plaintext port?) but TLS is on; option "tls"`,
    {
      cause,
      hint: DISABLE_TLS_HINT,
      details: { option: 'tls', tls_code: 'TLS_TO_PLAINTEXT_PORT' },
    },
  );
}
