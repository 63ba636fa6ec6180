import { connect as netConnect } from 'node:net';
import { connect } from 'node:tls';
import { EdgeplaneError } from '@edgeplane/errors';

interface Problem {
  readonly option: string;
  readonly detail: string;
  readonly hint: string;
}

const UNTRUSTED: Problem = {
  option: 'tlsCaFile',
  detail: "the server's certificate is not signed by a trusted CA",
  hint: 'set tlsCaFile to the CA certificate that signed the server certificate (tlsVerify=false only in tests)',
};

/** Node/OpenSSL error codes (and alert names) → what the operator must change. */
const PROBLEMS: Readonly<Record<string, Problem>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED,
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED,
  CERT_SIGNATURE_FAILURE: UNTRUSTED,
  CERT_UNTRUSTED: UNTRUSTED,
  CERT_HAS_EXPIRED: {
    option: 'tlsCaFile',
    detail: "the server's certificate has expired",
    hint: "renew the server's certificate (the server side must be fixed; check this host's clock too)",
  },
  CERT_NOT_YET_VALID: {
    option: 'tlsCaFile',
    detail: "the server's certificate is not valid yet",
    hint: "check this host's clock and the server certificate's start date",
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    option: 'tlsServerName',
    detail: "the server's certificate is not issued for the host name connected to",
    hint: 'connect with a host name the certificate names, or set tlsServerName to one of its names',
  },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: {
    option: 'tlsCertFile',
    detail: 'the server requires a client certificate',
    hint: 'set tlsCertFile and tlsKeyFile (mutual TLS)',
  },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: {
    option: 'tlsCertFile',
    detail: 'the server does not trust the client certificate (unknown CA)',
    hint: 'use a client certificate signed by a CA the server trusts',
  },
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: {
    option: 'tlsCertFile',
    detail: 'the server refused the client certificate',
    hint: 'use a client certificate the server accepts (signed by its CA, not expired)',
  },
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: {
    option: 'tlsCertFile',
    detail: 'the server refused the client certificate as expired',
    hint: 'renew the client certificate',
  },
  // OpenSSL 3 (Node 22+) names these alerts `SSL/TLS` rather than `SSLV3`.
  'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE': {
    option: 'tlsCertFile',
    detail: 'the server refused the client certificate',
    hint: 'use a client certificate the server accepts (signed by its CA, not expired)',
  },
  'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED': {
    option: 'tlsCertFile',
    detail: 'the server refused the client certificate as expired',
    hint: 'renew the client certificate',
  },
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: {
    option: 'tlsCertFile',
    detail:
      'the TLS handshake was refused (no common cipher or protocol, or a client certificate is required)',
    hint: 'check tlsCertFile/tlsKeyFile and the TLS versions the server accepts',
  },
  ERR_SSL_WRONG_VERSION_NUMBER: {
    option: 'tls',
    detail: 'the server did not answer in TLS (a plaintext port?)',
    hint: 'turn TLS off for this port (tls=false, a plaintext URL), or use the server TLS port',
  },
  ERR_SSL_PACKET_LENGTH_TOO_LONG: {
    option: 'tls',
    detail: 'the server did not answer in TLS (a plaintext port?)',
    hint: 'turn TLS off for this port (tls=false, a plaintext URL), or use the server TLS port',
  },
};

/**
 * OpenSSL 3.2+ (Node 22+) names the SSLv3 alerts "ssl/tls alert …", so Node's code is
 * `ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE` where older ones say `ERR_SSL_SSLV3_ALERT_…`.
 */
const sslv3Name = (code: string): string =>
  code.replace(/^ERR_SSL_SSL\/TLS_ALERT_/, 'ERR_SSL_SSLV3_ALERT_');

/** Looks through `cause`, `errors` and `originalError` chains (client libraries wrap errors). */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 6) return;
  yield error;
  if (typeof error !== 'object') return;
  const e = error as {
    cause?: unknown;
    errors?: unknown;
    originalError?: unknown;
    error?: unknown;
  };
  if (e.cause !== undefined) yield* chain(e.cause, depth + 1);
  if (e.originalError !== undefined) yield* chain(e.originalError, depth + 1);
  if (e.error !== undefined && e.error !== error) yield* chain(e.error, depth + 1);
  if (Array.isArray(e.errors))
    for (const inner of e.errors.slice(0, 8)) yield* chain(inner, depth + 1);
}

/** The first TLS problem found in an error (by its `code`, or by a code named in its message). */
export function findTlsProblem(error: unknown): (Problem & { code: string }) | undefined {
  for (const e of chain(error)) {
    const raw = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    const code = typeof raw === 'string' ? sslv3Name(raw) : raw;
    if (typeof code === 'string' && Object.hasOwn(PROBLEMS, code))
      return { code: raw as string, ...(PROBLEMS[code] as Problem) };
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    const text = message.replace(/ssl\/tls alert/gi, 'sslv3 alert');
    for (const name of Object.keys(PROBLEMS)) {
      const bare = name
        .replace(/^ERR_SSL_/, '')
        .toLowerCase()
        .replace(/_/g, ' ');
      if (text.includes(name) || (name.startsWith('ERR_SSL_') && text.toLowerCase().includes(bare)))
        return { code: name, ...(PROBLEMS[name] as Problem) };
    }
    if (/certificate has expired/i.test(text))
      return { code: 'CERT_HAS_EXPIRED', ...(PROBLEMS.CERT_HAS_EXPIRED as Problem) };
    if (
      /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer/i.test(
        text,
      )
    )
      return { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', ...UNTRUSTED };
    if (/Hostname\/IP does not match certificate/i.test(text))
      return {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        ...(PROBLEMS.ERR_TLS_CERT_ALTNAME_INVALID as Problem),
      };
  }
  return undefined;
}

/**
 * Classifies a connection error as a TLS problem an operator must fix.
 * @returns a permanent `tls` EdgeplaneError (exit 2) naming the option to change (`tlsCaFile`,
 *   `tlsServerName`, `tlsCertFile`, `tls`) and the fix, with the OpenSSL code in `details.tls_code`
 *   (never the raw OpenSSL text as the message); undefined when the error is not a TLS problem.
 * @example
 * const tls = classifyTlsError(error, { component: 'transport:nats', server: '127.0.0.1:4443' });
 * if (tls) throw tls;
 */
export function classifyTlsError(
  error: unknown,
  context: { readonly component: string; readonly server?: string },
): EdgeplaneError | undefined {
  const problem = findTlsProblem(error);
  if (!problem) return undefined;
  const where = context.server ? ` (${context.server})` : '';
  let detail = problem.detail;
  let hint = problem.hint;
  const names =
    problem.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? certificateNames(error) : undefined;
  if (names) {
    // Node's error says which name was checked (tlsServerName, or the host) and the certificate's names.
    detail = `the server's certificate is not issued for "${names.checked}" (it names ${names.names})`;
    hint = `connect with a host name the certificate names, or set tlsServerName to one of them`;
  }
  return new EdgeplaneError(
    'tls',
    context.component,
    `${detail}${where}; option "${problem.option}"`,
    {
      cause: error,
      hint,
      details: { option: problem.option, tls_code: problem.code },
    },
  );
}

/**
 * Whether `host:port` answers a TLS handshake, for the error of a plaintext connection that
 * failed: "this is a TLS port, turn TLS on". Certificates are not checked (nothing is sent).
 * @returns true when a TLS server answered within `timeoutMs` (ms); false otherwise. Never throws.
 */
export function probeTlsPort(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: [] });
    socket.once('secureConnect', () => finish(true));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // A server that asks for a client certificate still speaks TLS.
      finish(/ALERT|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/i.test(error.code ?? ''));
    });
    socket.once('close', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref?.();
  });
}

/**
 * The error for a plaintext connection to a port that speaks TLS.
 * @returns a permanent `tls` EdgeplaneError whose hint says how this transport turns TLS on.
 */
export function plaintextToTlsPortError(
  component: string,
  server: string,
  enableHint: string,
  cause?: unknown,
): EdgeplaneError {
  return new EdgeplaneError(
    'tls',
    component,
    `${server} speaks TLS but this adapter connected in plaintext; option "tls"`,
    {
      cause,
      hint: enableHint,
      details: { option: 'tls', tls_code: 'PLAINTEXT_TO_TLS_PORT' },
    },
  );
}

/**
 * Explains a connection that failed while opening when TLS on one side and not the other is the
 * likely cause: a plaintext connection to a port that answers TLS (use TLS), or a TLS connection
 * to a port that accepts TCP but does not answer a TLS handshake (a plaintext port). Probes
 * `host:port` once (at most `timeoutMs`, ms).
 * @returns a permanent `tls` EdgeplaneError naming option `tls`, or undefined when TLS is not the
 *   explanation (nothing answers, or both sides agree). Never throws.
 */
export async function diagnoseTlsMismatch(
  host: string,
  port: number,
  context: {
    readonly component: string;
    /** Whether this adapter spoke TLS. */
    readonly tls: boolean;
    /** How this transport turns TLS on (`use a rediss:// url, or tls=true`). */
    readonly enableHint: string;
    /** How it turns TLS off. */
    readonly disableHint: string;
    readonly timeoutMs?: number;
  },
): Promise<EdgeplaneError | undefined> {
  const server = `${host}:${port}`;
  const speaksTls = await probeTlsPort(host, port, context.timeoutMs ?? 1000);
  if (!context.tls) {
    return speaksTls
      ? plaintextToTlsPortError(context.component, server, context.enableHint)
      : undefined;
  }
  if (speaksTls || !(await acceptsTcp(host, port, context.timeoutMs ?? 1000))) return undefined;
  return new EdgeplaneError(
    'tls',
    context.component,
    `${server} accepts connections but does not answer a TLS handshake (a plaintext port?); option "tls"`,
    { hint: context.disableHint, details: { option: 'tls', tls_code: 'TLS_TO_PLAINTEXT_PORT' } },
  );
}

function acceptsTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const finish = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref?.();
  });
}

/** The name checked and the certificate's names, from Node's ERR_TLS_CERT_ALTNAME_INVALID error. */
function certificateNames(error: unknown): { checked: string; names: string } | undefined {
  for (const e of chain(error)) {
    const x = e as { host?: unknown; cert?: { subjectaltname?: unknown } } | null;
    if (x && typeof x === 'object' && typeof x.host === 'string') {
      const alt = typeof x.cert?.subjectaltname === 'string' ? x.cert.subjectaltname : '';
      const names = alt
        .split(',')
        .map((n) => n.trim().replace(/^(DNS|IP Address):/, ''))
        .filter((n) => n.length > 0 && n.length < 256)
        .slice(0, 6);
      return {
        checked: x.host.slice(0, 255),
        names: names.length > 0 ? names.join(', ') : 'no host name',
      };
    }
  }
  return undefined;
}
