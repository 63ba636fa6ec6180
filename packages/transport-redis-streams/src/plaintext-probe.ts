import { connect } from 'node:net';
import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';

/**
 * Whether `host:port` answers a plaintext Redis `PING` (`+PONG`, or an error reply such as
 * `-NOAUTH`) within `timeoutMs` (ms): tells a TLS client pointed at a plaintext port from a hung
 * server, which answers nothing. Never throws.
 */
export function answersPlaintextRedis(
  host: string,
  port: number,
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => finish(chunk[0] === 0x2b || chunk[0] === 0x2d));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref?.();
  });
}

/** The error for a TLS connection to a port that answers Redis in plaintext. */
export function tlsToPlaintextPortError(
  component: string,
  server: string,
  cause: unknown,
): EdgeplaneError {
  return new EdgeplaneError(
    'tls',
    component,
    `${server} answers Redis in plaintext, not TLS, but this adapter speaks TLS; option "tls"`,
    {
      cause,
      hint: 'use a redis:// url without tls=true for this port, or the server TLS port (tls-port)',
      details: { option: 'tls', tls_code: 'TLS_TO_PLAINTEXT_PORT' },
    },
  );
}
