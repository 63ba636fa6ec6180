import { isIP } from 'node:net';
import { z } from 'zod';
import { kv } from './options.js';

/**
 * The TLS options every transport that talks to a server offers, under the same names
 * (docs/guide/8.security.md). They apply to that adapter only: nothing is process-wide (no
 * `NODE_EXTRA_CA_CERTS`, no `NODE_TLS_REJECT_UNAUTHORIZED`).
 */
export interface TlsOptions {
  /** Speak TLS. Default false; a transport may also turn it on from its URL (`rediss://`, `tls://`). */
  readonly tls?: boolean | undefined;
  /** PEM file of the CA certificate(s) the server's certificate must chain to. Default: Node's bundled CAs. */
  readonly tlsCaFile?: string | undefined;
  /** PEM file of the client certificate (mutual TLS); needs `tlsKeyFile`. */
  readonly tlsCertFile?: string | undefined;
  /** PEM file of the client certificate's private key; needs `tlsCertFile`. */
  readonly tlsKeyFile?: string | undefined;
  /** Passphrase of an encrypted `tlsKeyFile` (secret). */
  readonly tlsKeyPassphrase?: string | undefined;
  /** Host name to send (SNI) and to verify the server's certificate against. Default: the host connected to, when it is a name. */
  readonly tlsServerName?: string | undefined;
  /** Verify the server's certificate (chain, dates, host name). Default true; `false` only for tests: it allows a man in the middle. */
  readonly tlsVerify?: boolean | undefined;
}

/** An optional option field of type `T` (what `tlsOptionFields` holds). */
export type OptionalField<T> = z.ZodOptional<z.ZodType<T>>;

const path = (description: string): OptionalField<string> =>
  z.string().min(1).optional().meta({ description, type: 'path' });

/** The zod field types of `tlsOptionFields`. */
export interface TlsOptionFields {
  readonly tls: OptionalField<boolean>;
  readonly tlsCaFile: OptionalField<string>;
  readonly tlsCertFile: OptionalField<string>;
  readonly tlsKeyFile: OptionalField<string>;
  readonly tlsKeyPassphrase: OptionalField<string>;
  readonly tlsServerName: OptionalField<string>;
  readonly tlsVerify: OptionalField<boolean>;
}

/**
 * Zod fields of `TlsOptions`, to spread into a transport's option schema:
 * `z.object({ url: ..., ...tlsOptionFields })`. Descriptions are the documented ones.
 */
export const tlsOptionFields: TlsOptionFields = {
  tls: kv.bool().optional().meta({
    description:
      'Speak TLS to the server (default false; the transport may also turn it on from its URL scheme).',
  }),
  tlsCaFile: path(
    "PEM file of the CA certificate(s) the server's certificate must chain to (default: Node's bundled CAs). Applies to this adapter only.",
  ),
  tlsCertFile: path('PEM file of the client certificate (mutual TLS); needs `tlsKeyFile`.'),
  tlsKeyFile: path("PEM file of the client certificate's private key; needs `tlsCertFile`."),
  tlsKeyPassphrase: kv
    .secret()
    .optional()
    .meta({ description: 'Passphrase of an encrypted `tlsKeyFile`. Secret.' }),
  tlsServerName: z
    .string()
    .regex(
      /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/,
      'expected a DNS host name (not an IP address: SNI carries names only)',
    )
    .refine(
      (v) => isIP(v) === 0,
      'expected a DNS host name (not an IP address: SNI carries names only)',
    )
    .optional()
    .meta({
      description:
        "Host name sent as SNI and checked against the server's certificate (default: the host connected to, when it is a name).",
    }),
  tlsVerify: kv.bool().optional().meta({
    description:
      "Verify the server's certificate: chain, dates, host name (default true). `false` is for tests only: it allows a man in the middle.",
  }),
};

/** The TLS options that mean something only with TLS on: every one but `tls`. */
export const TLS_ONLY_OPTIONS: readonly (keyof TlsOptions)[] = [
  'tlsCaFile',
  'tlsCertFile',
  'tlsKeyFile',
  'tlsKeyPassphrase',
  'tlsServerName',
  'tlsVerify',
];

/**
 * The first of `TLS_ONLY_OPTIONS` set in `options` while TLS is off (`enabled` false), for a
 * transport's parse-time check (so `validate` refuses it too): such an option would be ignored.
 * @returns the option's name, or undefined when TLS is on or none is set.
 */
export function tlsOptionSetWhileOff(
  options: TlsOptions,
  enabled: boolean,
): keyof TlsOptions | undefined {
  return enabled ? undefined : TLS_ONLY_OPTIONS.find((name) => options[name] !== undefined);
}
