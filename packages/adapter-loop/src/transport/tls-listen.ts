import { EdgeplaneError } from '@edgeplane/errors';
import { z } from 'zod';
import { kv } from './options.js';
import { loadCaFile, loadKeyPair, type TlsFileOptionNames } from './tls.js';
import type { OptionalField } from './tls-options.js';

/**
 * TLS of a transport that *listens* (an HTTP, gRPC or WebSocket ingress server). The client-side
 * `tls*` options (`tlsOptionFields`) keep their meaning for the side that dials; these name the
 * listener's own certificate, so one adapter can never confuse the two (docs/guide/8.security.md).
 */
export interface ListenTlsOptions {
  /** PEM file of the listener's certificate chain. Setting it turns TLS on for the listener; needs `listenTlsKeyFile`. */
  readonly listenTlsCertFile?: string | undefined;
  /** PEM file of the listener's private key; needs `listenTlsCertFile`. */
  readonly listenTlsKeyFile?: string | undefined;
  /** Passphrase of an encrypted `listenTlsKeyFile` (secret). */
  readonly listenTlsKeyPassphrase?: string | undefined;
  /** PEM file of the CA(s) client certificates must chain to: given, every client must present one (mutual TLS). */
  readonly listenTlsClientCaFile?: string | undefined;
}

/** The zod field types of `listenTlsOptionFields`. */
export interface ListenTlsOptionFields {
  readonly listenTlsCertFile: OptionalField<string>;
  readonly listenTlsKeyFile: OptionalField<string>;
  readonly listenTlsKeyPassphrase: OptionalField<string>;
  readonly listenTlsClientCaFile: OptionalField<string>;
}

const path = (description: string): OptionalField<string> =>
  z.string().min(1).optional().meta({ description, type: 'path' });

/**
 * Zod fields of `ListenTlsOptions`, to spread into the option schema of a transport that
 * listens, beside `tlsOptionFields`. Descriptions are the documented ones.
 */
export const listenTlsOptionFields: ListenTlsOptionFields = {
  listenTlsCertFile: path(
    "PEM file of the listener's certificate chain; setting it turns TLS on for the listener (needs `listenTlsKeyFile`).",
  ),
  listenTlsKeyFile: path("PEM file of the listener's private key; needs `listenTlsCertFile`."),
  listenTlsKeyPassphrase: kv
    .secret()
    .optional()
    .meta({ description: 'Passphrase of an encrypted `listenTlsKeyFile`. Secret.' }),
  listenTlsClientCaFile: path(
    'PEM file of the CA certificate(s) client certificates must chain to; given, every client must present a certificate (mutual TLS).',
  ),
};

const LISTEN_NAMES: TlsFileOptionNames = {
  ca: 'listenTlsClientCaFile',
  cert: 'listenTlsCertFile',
  key: 'listenTlsKeyFile',
  passphrase: 'listenTlsKeyPassphrase',
};

/**
 * Node `tls.createServer` / `https.createServer` / `http2.createSecureServer` options: the
 * listener's chain and key, and with a client CA `requestCert` + `rejectUnauthorized`.
 */
export interface TlsServerOptions {
  cert: string;
  key: string;
  ca?: string[];
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/**
 * Reads and checks a listener's TLS files at start (before it listens), with the same checks as
 * `loadTls`: regular PEM files of at most 256 KiB, the key decrypts and belongs to the
 * certificate, the certificate has not expired.
 * @returns the server options, or undefined when `listenTlsCertFile` is not set (plain TCP).
 * @throws EdgeplaneError `invalid-config` when the certificate is given without its key (or the
 *   reverse), or `listenTlsKeyPassphrase` / `listenTlsClientCaFile` is set without a
 *   certificate; `tls` (exit 2) naming the `listenTls*` option for every file problem.
 */
export async function loadListenTls(
  options: ListenTlsOptions,
  component: string,
): Promise<TlsServerOptions | undefined> {
  const { listenTlsCertFile: certFile, listenTlsKeyFile: keyFile } = options;
  if (certFile === undefined && keyFile === undefined) {
    const set = (['listenTlsKeyPassphrase', 'listenTlsClientCaFile'] as const).find(
      (name) => options[name] !== undefined,
    );
    if (set) {
      throw new EdgeplaneError(
        'invalid-config',
        component,
        `option "${set}" is set but the listener has no certificate`,
        {
          hint: 'set listenTlsCertFile and listenTlsKeyFile to serve TLS, or remove it',
          details: { option: set },
        },
      );
    }
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? 'listenTlsCertFile' : 'listenTlsKeyFile';
    const given = certFile === undefined ? 'listenTlsKeyFile' : 'listenTlsCertFile';
    throw new EdgeplaneError(
      'invalid-config',
      component,
      `option "${missing}" is required with "${given}"`,
      {
        hint: 'a TLS listener needs both its certificate and its key',
        details: { option: missing },
      },
    );
  }
  const pair = await loadKeyPair(
    {
      certFile,
      keyFile,
      passphrase: options.listenTlsKeyPassphrase,
      what: 'server certificate',
    },
    component,
    LISTEN_NAMES,
  );
  const ca =
    options.listenTlsClientCaFile !== undefined
      ? await loadCaFile(options.listenTlsClientCaFile, component, LISTEN_NAMES.ca)
      : undefined;
  return {
    cert: pair.cert,
    key: pair.key,
    ...(ca ? { ca } : {}),
    requestCert: ca !== undefined,
    rejectUnauthorized: ca !== undefined,
  };
}
