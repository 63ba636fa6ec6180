import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Client, Publisher } from 'rabbitmq-stream-js-client';
import { CONNECTION_ERROR, installClientCompat } from './compat.js';

/**
 * The one place that loads rabbitmq-stream-js-client (after installing the compat shim) and
 * reaches into the private parts this transport needs from the pinned 1.0.0: the locator
 * connection (offset store), a publisher's connection (publish frames are written by
 * frame.ts) and every connection of a client (teardown). Each access checks the shape, so a
 * client upgrade fails loudly here instead of misbehaving.
 */

const require = createRequire(import.meta.url);

type ClientModule = typeof import('rabbitmq-stream-js-client');

/** The client module (CommonJS), loaded on first use, after the compat shim is installed. */
export function streamClient(): ClientModule {
  installClientCompat();
  return require('rabbitmq-stream-js-client') as ClientModule;
}

/** What this transport uses of a client `Connection`. */
export interface RawConnection {
  readonly socket: Socket;
  readonly connectionId: string;
  readonly maxFrameSize: number;
  userManuallyClose: boolean;
  readonly heartbeat: { stop(): void };
  readonly [CONNECTION_ERROR]?: Error;
  storeOffset(params: { stream: string; reference: string; offsetValue: bigint }): Promise<void>;
}

function asConnection(value: unknown, where: string): RawConnection {
  const c = value as Partial<RawConnection> | undefined;
  if (!c || typeof c.connectionId !== 'string' || typeof c.socket?.write !== 'function')
    throw new Error(`rabbitmq-stream-js-client internals changed (${where}); pin version 1.0.0`);
  return c as RawConnection;
}

/** The connection a publisher writes on. */
export function publisherConnection(publisher: Publisher): RawConnection {
  return asConnection((publisher as unknown as { connection: unknown }).connection, 'publisher');
}

/** The client's locator connection (metadata, offsets, stream management). */
export function locatorConnection(client: Client): RawConnection {
  return asConnection(
    (client as unknown as { locatorConnection: unknown }).locatorConnection,
    'locator',
  );
}

/** Every connection the client holds: locator, publishers', consumers' and pooled ones. */
export function clientConnections(client: Client): RawConnection[] {
  const inner = client as unknown as {
    publishers?: Map<string, { connection: unknown }>;
    consumers?: Map<string, { connection: unknown }>;
    pool?: { connectionsMap?: Map<string, unknown[]> };
  };
  const all = [locatorConnection(client)];
  for (const map of [inner.publishers, inner.consumers])
    for (const entry of map?.values() ?? []) all.push(asConnection(entry.connection, 'clients'));
  for (const list of inner.pool?.connectionsMap?.values() ?? [])
    for (const c of list) all.push(asConnection(c, 'pool'));
  return [...new Set(all)];
}

/** The first error any of the client's connections recorded (why it was lost). */
export function connectionErrorOf(client: Client): Error | undefined {
  for (const c of clientConnections(client)) if (c[CONNECTION_ERROR]) return c[CONNECTION_ERROR];
  return undefined;
}

/**
 * Ends every connection of `client` at once, without the close handshake: heartbeats stopped,
 * sockets destroyed, no `connection_closed` callbacks. For dead or abandoned clients, and as
 * the last step of a close that may have hung.
 */
export function destroyClient(client: Client): void {
  for (const c of clientConnections(client)) {
    c.userManuallyClose = true;
    c.heartbeat.stop();
    c.socket.destroy();
  }
}
