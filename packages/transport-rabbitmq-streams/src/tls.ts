import {
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
  'use a `rabbitmq-stream+tls://` url (port 5551 by default) or set tls=true, and the TLS port of the broker (`stream.listeners.ssl`)';

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
): Promise<Error | undefined> {
  if (!(await probeTlsPort(target.hostname, target.port))) return undefined;
  return plaintextToTlsPortError(COMPONENT, target.where, ENABLE_TLS_HINT, cause);
}
