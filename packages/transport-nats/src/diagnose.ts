import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  classifyTlsError,
  EdgeplaneError,
  plaintextToTlsPortError,
  probeTlsPort,
} from '@edgeplane/adapter-loop/transport';
import { COMPONENT, scrubUrls } from './errors.js';
import { ENABLE_TLS_HINT, type Security } from './security.js';

/** `host` and `port` of a server URL (`nats://h:p`, `tls://h:p`, `h:p`, `[::1]:p`). */
export function hostPort(url: string): { host: string; port: number } | undefined {
  const m = /^(?:(nats|tls):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(url.trim());
  if (!m) return undefined; // ws:// and wss:// are not diagnosed
  return { host: (m[2] as string).replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 4222 };
}

/** The server's first line, its plaintext `INFO {...}`, or undefined (not NATS, or no answer). */
function readInfo(socket: Socket, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let buffer = '';
    const done = (value: Record<string, unknown> | undefined) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.pause();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', (b: Buffer) => {
      buffer += b.toString('latin1');
      const end = buffer.indexOf('\r\n');
      if (end < 0 && buffer.length < 64 * 1024) return;
      const line = buffer.slice(0, end < 0 ? undefined : end);
      try {
        done(
          line.startsWith('INFO ')
            ? (JSON.parse(line.slice(5)) as Record<string, unknown>)
            : undefined,
        );
      } catch {
        done(undefined);
      }
    });
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}

/** Completes the TLS upgrade and waits `settleMs` for an alert (TLS 1.3 sends it after Finished). */
function upgrade(
  socket: Socket,
  security: Security,
  host: string,
  settleMs: number,
): Promise<unknown> {
  return new Promise((resolve) => {
    const servername = security.tlsOptions?.servername ?? (isIP(host) === 0 ? host : undefined);
    const tls = tlsConnect({
      ...security.tlsOptions,
      socket,
      ...(servername ? { servername } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    const done = (value: unknown) => {
      clearTimeout(timer);
      tls.destroy();
      resolve(value);
    };
    tls.once('error', (error) => done(error));
    tls.once('secureConnect', () => {
      timer = setTimeout(() => done(undefined), settleMs);
    });
    tls.once('close', () => done(undefined));
  });
}

/**
 * Tells why a connection to `url` failed when the client's error does not (nats.js reports a
 * timeout when a TLS 1.3 server refuses the client certificate after the handshake, and upgrades
 * a plaintext client to TLS by itself): reads the server's plaintext INFO, then repeats the TLS
 * handshake with the same settings (unless `handshake` is false: the INFO checks only). Sends
 * nothing else (no credentials).
 * @returns a permanent `tls` error naming the option to fix, or undefined when TLS is not the cause.
 */
export async function diagnoseTls(
  url: string,
  security: Security,
  { timeoutMs = 2000, handshake = true }: { timeoutMs?: number; handshake?: boolean } = {},
): Promise<EdgeplaneError | undefined> {
  const target = hostPort(url);
  if (!target) return undefined;
  const server = scrubUrls(url);
  const socket = tcpConnect({ host: target.host, port: target.port });
  socket.on('error', () => {});
  try {
    const info = await readInfo(socket, timeoutMs);
    if (!info) {
      // No plaintext INFO: a server that starts with the TLS handshake (`handshake_first`).
      if (!security.tls && (await probeTlsPort(target.host, target.port, timeoutMs)))
        return plaintextToTlsPortError(COMPONENT, server, ENABLE_TLS_HINT);
      return undefined;
    }
    if (!security.tls) {
      return info.tls_required === true
        ? plaintextToTlsPortError(COMPONENT, server, ENABLE_TLS_HINT)
        : undefined;
    }
    if (info.tls_required !== true && info.tls_available !== true)
      return new EdgeplaneError(
        'tls',
        COMPONENT,
        `${server} does not offer TLS but this adapter requires it; option "tls"`,
        {
          hint: 'turn TLS off for this server (no `tls=true`, `nats://` URLs), or configure TLS on the server',
          details: { option: 'tls', tls_code: 'SERVER_WITHOUT_TLS' },
        },
      );
    if (info.tls_verify === true && !security.clientCertificate)
      return classifyTlsError(
        { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' },
        { component: COMPONENT, server },
      );
    if (!handshake) return undefined;
    const failure = await upgrade(socket, security, target.host, Math.min(500, timeoutMs));
    return failure ? classifyTlsError(failure, { component: COMPONENT, server }) : undefined;
  } finally {
    socket.destroy();
  }
}
