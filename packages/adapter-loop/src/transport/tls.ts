import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { EdgeplaneError, INPUT_LIMITS, readInputFile } from '@edgeplane/errors';
import { type TlsOptions, tlsOptionSetWhileOff } from './tls-options.js';

/** TLS settings read and checked by `loadTls`: contents in memory, ready for `tlsConnectOptions`. */
export interface LoadedTls {
  /** CA certificates (PEM), when `tlsCaFile` was given. */
  readonly ca?: readonly string[];
  /** Client certificate (PEM). */
  readonly cert?: string;
  /** Client private key (PEM, unencrypted in memory only). */
  readonly key?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

/** What `loadTls` needs besides the options. */
export interface LoadTlsContext {
  /** The component raising errors: `transport:redis-streams`. */
  readonly component: string;
  /** Whether TLS is on (`tls=true`, or a URL scheme such as `rediss://`). Default: `options.tls`. */
  readonly enabled?: boolean;
  /** How to turn TLS on for this transport, for the error when a `tls*` option is set while it is off. */
  readonly enableHint?: string;
}

function tlsError(
  component: string,
  option: string,
  detail: string,
  hint: string,
  cause?: unknown,
) {
  return new EdgeplaneError('tls', component, `option "${option}": ${detail}`, {
    cause,
    hint,
    details: { option },
  });
}

async function readPem(file: string, option: string, component: string): Promise<string> {
  const bytes = await readInputFile(file, {
    what: `option "${option}" file`,
    maxBytes: INPUT_LIMITS.credential,
    component,
    from: `option "${option}"`,
    code: 'tls',
  }).catch((error: EdgeplaneError) => {
    throw new EdgeplaneError('tls', component, error.detail, {
      cause: error,
      hint: error.hint,
      details: { option },
    });
  });
  const text = bytes.toString('utf8');
  if (!text.includes('-----BEGIN ')) {
    throw tlsError(
      component,
      option,
      `${file} is not a PEM file (no "-----BEGIN" line)`,
      'give a PEM file (convert DER or PKCS#12 with `openssl x509 -inform der` / `openssl pkcs12 -nodes`)',
    );
  }
  return text;
}

function certificates(text: string, file: string, option: string, component: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw tlsError(
      component,
      option,
      `${file} holds no certificate (no "-----BEGIN CERTIFICATE-----" block)`,
      `give ${option} a PEM certificate file`,
    );
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (cause) {
      throw tlsError(
        component,
        option,
        `${file} holds a certificate that cannot be parsed`,
        `give ${option} a valid PEM certificate file`,
        cause,
      );
    }
  }
  return blocks;
}

/** The option names a TLS file error names: the client's (`tls*`) or a listener's (`listenTls*`). */
export interface TlsFileOptionNames {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly passphrase: string;
}

const CLIENT_NAMES: TlsFileOptionNames = {
  ca: 'tlsCaFile',
  cert: 'tlsCertFile',
  key: 'tlsKeyFile',
  passphrase: 'tlsKeyPassphrase',
};

function privateKey(
  text: string,
  file: string,
  passphrase: string | undefined,
  component: string,
  names: TlsFileOptionNames = CLIENT_NAMES,
): KeyObject {
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text);
  if (passphrase && !encrypted) {
    throw new EdgeplaneError(
      'invalid-config',
      component,
      `option "${names.passphrase}" is set but ${file} is not encrypted`,
      {
        hint: `remove ${names.passphrase}, or give the encrypted key as ${names.key}`,
        details: { option: names.passphrase },
      },
    );
  }
  if (!passphrase && encrypted) {
    throw tlsError(
      component,
      names.passphrase,
      `${file} is encrypted and no passphrase was given`,
      `set ${names.passphrase} from a secret (in an adapter config: ${names.passphrase}=$` +
        '{VAR})',
    );
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? '';
    const message = String((cause as Error).message ?? '');
    if (code === 'ERR_MISSING_PASSPHRASE' || /passphrase/i.test(message))
      throw tlsError(
        component,
        names.passphrase,
        `${file} is encrypted and no passphrase was given`,
        `set ${names.passphrase} from a secret (in an adapter config: ${names.passphrase}=$` +
          '{VAR})',
      );
    if (passphrase && /bad decrypt/i.test(message))
      throw tlsError(
        component,
        names.passphrase,
        `the passphrase does not decrypt ${file}`,
        `check ${names.passphrase}`,
      );
    throw tlsError(
      component,
      names.key,
      `${file} holds no private key that can be read`,
      `give ${names.key} a PEM private key (PKCS#8, PKCS#1 or SEC1)`,
      cause,
    );
  }
}

/**
 * Reads a certificate chain and its private key and checks they belong together and the leaf
 * has not expired (shared by `loadTls` and `loadListenTls`).
 * @returns the chain (PEM) and the key (PKCS#8 PEM, decrypted, in memory only).
 * @throws EdgeplaneError `tls` naming the option, as `loadTls` documents.
 */
export async function loadKeyPair(
  files: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly passphrase: string | undefined;
    /** `client certificate` or `server certificate`, for messages. */
    readonly what: string;
  },
  component: string,
  names: TlsFileOptionNames,
): Promise<{ readonly cert: string; readonly key: string }> {
  const certText = certificates(
    await readPem(files.certFile, names.cert, component),
    files.certFile,
    names.cert,
    component,
  );
  const keyObject = privateKey(
    await readPem(files.keyFile, names.key, component),
    files.keyFile,
    files.passphrase,
    component,
    names,
  );
  const leaf = new X509Certificate(certText[0] as string);
  if (!leaf.checkPrivateKey(keyObject)) {
    throw tlsError(
      component,
      names.key,
      `${files.keyFile} is not the key of ${files.certFile}`,
      `give the key that belongs to ${names.cert}`,
    );
  }
  if (Date.parse(leaf.validTo) < Date.now()) {
    throw tlsError(
      component,
      names.cert,
      `the ${files.what} ${files.certFile} expired on ${new Date(leaf.validTo).toISOString()}`,
      `renew the ${files.what}`,
    );
  }
  return {
    cert: certText.join('\n'),
    key: keyObject.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

/** Reads a CA file (`names.ca`): the certificates it holds, checked. */
export async function loadCaFile(
  file: string,
  component: string,
  option: string,
): Promise<string[]> {
  return certificates(await readPem(file, option, component), file, option, component);
}

/**
 * Reads and checks the TLS files of an adapter before it connects, so that a wrong file is a
 * clear error at start rather than a handshake failure later.
 * @returns the settings for `tlsConnectOptions`, or undefined when TLS is off.
 * @throws EdgeplaneError `invalid-config` when a `tls*` option is set while TLS is off, or a
 *   certificate is given without its key (or the reverse); `tls` (exit 2) naming the option when
 *   a file is missing, unreadable, not a regular file, over 256 KiB, not PEM, holds no
 *   certificate or key, is encrypted without (or with a wrong) `tlsKeyPassphrase`, when the key
 *   does not match the certificate, or when the client certificate has expired.
 */
export async function loadTls(
  options: TlsOptions,
  context: LoadTlsContext,
): Promise<LoadedTls | undefined> {
  const { component } = context;
  const enabled = context.enabled ?? options.tls === true;
  if (!enabled) {
    const set = tlsOptionSetWhileOff(options, false);
    if (set) {
      throw new EdgeplaneError(
        'invalid-config',
        component,
        `option "${set}" is set but TLS is off`,
        {
          hint: context.enableHint ?? 'set tls=true',
          details: { option: set },
        },
      );
    }
    return undefined;
  }
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    const missing = options.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile';
    throw new EdgeplaneError(
      'invalid-config',
      component,
      `option "${missing}" is required with "${missing === 'tlsCertFile' ? 'tlsKeyFile' : 'tlsCertFile'}"`,
      {
        hint: 'mutual TLS needs both the client certificate and its key',
        details: { option: missing },
      },
    );
  }
  if (options.tlsKeyPassphrase !== undefined && options.tlsKeyFile === undefined) {
    throw new EdgeplaneError(
      'invalid-config',
      component,
      'option "tlsKeyPassphrase" is set without "tlsKeyFile"',
      {
        hint: 'remove tlsKeyPassphrase, or give the encrypted key as tlsKeyFile',
        details: { option: 'tlsKeyPassphrase' },
      },
    );
  }
  const ca =
    options.tlsCaFile !== undefined
      ? await loadCaFile(options.tlsCaFile, component, 'tlsCaFile')
      : undefined;
  const pair =
    options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined
      ? await loadKeyPair(
          {
            certFile: options.tlsCertFile,
            keyFile: options.tlsKeyFile,
            passphrase: options.tlsKeyPassphrase,
            what: 'client certificate',
          },
          component,
          CLIENT_NAMES,
        )
      : undefined;
  const cert = pair?.cert;
  const key = pair?.key;
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(options.tlsServerName ? { servername: options.tlsServerName } : {}),
    rejectUnauthorized: options.tlsVerify !== false,
  };
}

/** What `tlsConnectOptions` returns: a subset of Node's `tls.ConnectionOptions`, no key set to undefined. */
export interface TlsConnectOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/**
 * Node `tls.connect` options for one server. The SNI name is `tlsServerName`, else `host` when
 * it is a name; never an IP address (RFC 6066, and Node's DEP0123 warning). Node verifies the
 * certificate against that name, or against the IP address dialled when there is none.
 */
export function tlsConnectOptions(loaded: LoadedTls, host: string): TlsConnectOptions {
  const servername = loaded.servername ?? (isIP(host) === 0 && host !== '' ? host : undefined);
  return {
    ...(loaded.ca ? { ca: [...loaded.ca] } : {}),
    ...(loaded.cert ? { cert: loaded.cert } : {}),
    ...(loaded.key ? { key: loaded.key } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: loaded.rejectUnauthorized,
  };
}
