import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves true when a TCP connection to host:port opens within `timeoutMs`, else false. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/**
 * Waits until host:port accepts TCP connections. Rejects after `timeoutMs`, or as soon as
 * `alive()` (if given) returns false, e.g. because the server process exited.
 */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  alive?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port, 1_000))) {
    if (alive && !alive()) throw new Error(`process serving ${host}:${port} exited`);
    if (Date.now() >= deadline) {
      throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs} ms`);
    }
    await sleep(200);
  }
}

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * A name unique to this call, safe for topics, streams, subjects, buckets and tables:
 * lower-case letters, digits and dashes (`ep-kafka-1a2b3c4d5e6f`).
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `${clean}-${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/**
 * Opens a TCP connection, writes `request` (if any) and resolves with the bytes received once
 * `complete(bytes)` returns true. Rejects on error, close or timeout. For protocol pings.
 */
export function exchange(
  host: string,
  port: number,
  request: Uint8Array | undefined,
  complete: (received: Buffer) => boolean,
  timeoutMs = 3_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(received);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`${host}:${port} did not answer within ${timeoutMs} ms`)),
    );
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error(`${host}:${port} closed the connection`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) finish(undefined);
    });
    socket.connect(port, host, () => {
      if (request) socket.write(request);
    });
  });
}
