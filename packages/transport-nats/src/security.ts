import type { ConnectionOptions as NodeTlsOptions } from 'node:tls';
import {
  EdgeplaneError,
  INPUT_LIMITS,
  loadTls,
  readInputFile,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { type Authenticator, credsAuthenticator, nkeyAuthenticator, nkeys } from 'nats';
import { COMPONENT } from './errors.js';
import type { ResolvedNatsOptions } from './options.js';
import { tlsEnabled } from './tls-enabled.js';

/** How TLS is turned on for NATS, for hints. */
export const ENABLE_TLS_HINT =
  'set `tls=true` (or use `tls://` server URLs), with `tlsCaFile` for a private CA';

/** TLS and authentication, read and checked at `open()`, before the first connection. */
export interface Security {
  /** Whether TLS is on. */
  readonly tls: boolean;
  /** nats.js `tls` option (Node `tls.connect` options), when TLS is on. */
  readonly tlsOptions: NodeTlsOptions | undefined;
  /** The `.creds` or nkey authenticator, when one is configured. */
  readonly authenticator: Authenticator | undefined;
  /** Whether a client certificate is configured (for the diagnosis of a refused handshake). */
  readonly clientCertificate: boolean;
}

async function readOption(option: string, file: string): Promise<Buffer> {
  return readInputFile(file, {
    what: `option "${option}" file`,
    maxBytes: INPUT_LIMITS.credential,
    component: COMPONENT,
    from: `option "${option}"`,
  }).catch((error: EdgeplaneError) => {
    // A credential the operator must fix: a configuration problem (exit 2), whatever the errno.
    throw new EdgeplaneError('invalid-config', COMPONENT, error.detail, {
      cause: error,
      hint: error.hint,
      details: { option },
    });
  });
}

function badFile(option: string, file: string, what: string, hint: string): EdgeplaneError {
  return new EdgeplaneError('invalid-config', COMPONENT, `option "${option}": ${file} ${what}`, {
    hint,
    details: { option },
  });
}

/** A NATS user JWT + nkey seed file, as `nsc` writes it. */
const CREDS = /-{3,}BEGIN NATS USER JWT-{3,}[\s\S]+-{3,}BEGIN USER NKEY SEED-{3,}/;

async function credsFile(file: string): Promise<Authenticator> {
  const bytes = await readOption('credsFile', file);
  if (!CREDS.test(bytes.toString('utf8')))
    throw badFile(
      'credsFile',
      file,
      'is not a NATS credentials file (no user JWT and nkey seed blocks)',
      'give the `.creds` file `nsc generate creds` wrote for the user',
    );
  return credsAuthenticator(new Uint8Array(bytes));
}

async function nkeySeedFile(file: string): Promise<Authenticator> {
  const text = (await readOption('nkeySeedFile', file)).toString('utf8');
  // The seed is the one line `SU…` (a user seed); comments or blank lines around it are allowed.
  const seed = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^SU[A-Z2-7]{50,}$/.test(l));
  let valid = false;
  if (seed) {
    try {
      nkeys.fromSeed(new TextEncoder().encode(seed));
      valid = true;
    } catch {
      valid = false;
    }
  }
  if (!seed || !valid)
    // Never the file's content in the message: it may be a seed with a typo.
    throw badFile(
      'nkeySeedFile',
      file,
      'holds no valid user nkey seed (a line `SU…`)',
      'give the seed file of the nkey user (`nk -gen user`, or `nsc`)',
    );
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

/**
 * Reads and checks the TLS files (`loadTls`), the `.creds` file and the nkey seed file, so that a
 * wrong file is refused (exit 2) before anything is dialled. The TLS options apply to this
 * transport's connection only. SNI: `tlsServerName` when set, else nats.js sends each server's
 * host name (never an IP address, so Node prints no DEP0123).
 */
export async function loadSecurity(o: ResolvedNatsOptions): Promise<Security> {
  const on = tlsEnabled(o);
  const loaded = await loadTls(o, {
    component: COMPONENT,
    enabled: on,
    enableHint: ENABLE_TLS_HINT,
  });
  let authenticator: Authenticator | undefined;
  if (o.credsFile !== undefined) authenticator = await credsFile(o.credsFile);
  if (o.nkeySeedFile !== undefined) authenticator = await nkeySeedFile(o.nkeySeedFile);
  return {
    tls: on,
    // host '': nats.js fills `servername` per server itself; only `tlsServerName` overrides it.
    tlsOptions: loaded ? tlsConnectOptions(loaded, '') : undefined,
    authenticator,
    clientCertificate: loaded?.cert !== undefined,
  };
}
