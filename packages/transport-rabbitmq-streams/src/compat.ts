import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/**
 * Compatibility shim for rabbitmq-stream-js-client 1.0.0 (pinned exactly: these patch private
 * methods of that version). Installed once per process, idempotently, before the first connect.
 *
 * 1. **Brokers before 3.11.** The client always sends ExchangeCommandVersions after `open`;
 *    RabbitMQ < 3.11 does not know the command, answers with a Close frame and drops the
 *    connection, and the client throws `Unknown response 22` from its socket handler (an
 *    uncaught exception). The exchange is skipped when the peer's `version` property is < 3.11;
 *    newer brokers are untouched. Nothing else is needed: the client already limits itself to
 *    Publish v1 / Deliver v1 and no filtering or super streams below 3.13.
 * 2. **Handshake failures.** A failed step (bad password, unknown vhost, a peer that is not a
 *    stream broker) escapes the client's async `connect` handler as an unhandled rejection (or an
 *    uncaught decode error) and `connect()` never settles. The step's error now destroys the
 *    socket and rejects `connect()`; a handshake that outlives `socketTimeout`, or a socket that
 *    closes before it completes, rejects too.
 * 3. **Frames the client cannot decode** (a server-sent Close, an unsupported AMQP section)
 *    close that connection with the error instead of throwing out of the socket's data handler.
 * 4. **Falsy application-property values** (`""`, `0`, `false`) decode instead of throwing
 *    (`invalid nextByteType`) from the socket's data handler: an empty header value round-trips.
 * 5. **TCP_NODELAY** on every connection: offset store + query and publish confirms are small
 *    request/response exchanges that Nagle's algorithm delays by ~40 ms each.
 * 6. **The client's close callbacks** (run when the broker says a stream was deleted or moved)
 *    write on connections that may already be closed; their rejections no longer escape as
 *    unhandled rejections (which end the process).
 * 7. **TLS per connection.** The client passes one `ssl` object to `tls.connect` for every
 *    connection (the locator, and those to the node the broker advertises). Given a
 *    `TlsForHost` instead, each socket gets the options for the host it dials: SNI and the
 *    host-name check follow that host, and an IP address is never sent as SNI (DEP0123).
 *
 * `test/compat.test.ts` pins 1-6 against the real broker; 7 is pinned by the TLS round trip of
 * `apps/edgeplane/test/tls/rabbitmq.test.ts` (publisher and consumer connections go to the
 * advertised TLS port).
 */

const require = createRequire(import.meta.url);

/** The error a failed handshake step (or an undecodable frame) closed the connection with. */
export const CONNECTION_ERROR: unique symbol = Symbol('edgeplane.rabbitmq-streams.error');

interface ConnectionInternals {
  peerProperties: Record<string, string>;
  socket: Socket;
  closeEventsEmitter: EventEmitter;
  params: { hostname: string; port: number };
  [CONNECTION_ERROR]?: Error;
}

type Method = (this: ConnectionInternals, ...args: unknown[]) => Promise<unknown>;
type Prototype = Record<string, unknown>;

/** An error with the stream protocol response code that caused it (when the frame shows one). */
export class StreamProtocolError extends Error {
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when a `major.minor[.patch]` version is before 3.11. */
export function isBeforeRabbitmq311(version: string | undefined): boolean {
  const [major = 0, minor = 0] = (version ?? '0')
    .split('.')
    .map((p) => Number.parseInt(p, 10) || 0);
  return major < 3 || (major === 3 && minor < 11);
}

/** The response code of the first frame of `data`, for an error response or a server Close. */
export function peekResponseCode(data: Buffer): number | undefined {
  if (data.length < 14) return undefined;
  const key = data.readUInt16BE(4);
  // Responses have the top bit set (then correlation id, code); a server Close (0x0016) carries
  // correlation id then closing code at the same place.
  if ((key & 0x8000) === 0 && key !== 0x0016) return undefined;
  const code = data.readUInt16BE(12);
  return code === 1 ? undefined : code;
}

function fail(connection: ConnectionInternals, error: Error): void {
  connection[CONNECTION_ERROR] ??= error;
  connection.socket.destroy(error);
}

const never = (): Promise<never> => new Promise<never>(() => {});

function patchHandshakeStep(proto: Prototype, name: string): void {
  const original = proto[name] as Method;
  proto[name] = function (this: ConnectionInternals, ...args: unknown[]) {
    return original.apply(this, args).then(
      (result) => {
        const opened = result as { ok?: boolean; error?: unknown } | undefined;
        if (name !== 'open' || opened?.ok !== false) return result;
        fail(this, new StreamProtocolError(`open refused: ${String(opened.error)}`, 0x0c));
        return never();
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error : new Error(`response code ${String(error)}`);
        const code = typeof error === 'number' ? error : undefined;
        fail(this, new StreamProtocolError(`${name} failed: ${cause.message}`, code, { cause }));
        // The client's connect handler must not go on (nor reject unhandled): it waits forever
        // and is collected with the connection.
        return never();
      },
    );
  };
}

const tracking = new AsyncLocalStorage<Set<Socket>>();

/**
 * Runs `connect` and collects into `sockets` every socket the client opens for it (the client
 * keeps them private until the handshake is done): destroying them makes a hung handshake
 * reject at once (an aborted `open()`).
 */
export function trackSockets<T>(sockets: Set<Socket>, connect: () => T): T {
  return tracking.run(sockets, connect);
}

function patchStart(proto: Prototype): void {
  const original = proto.start as Method;
  proto.start = function (this: ConnectionInternals) {
    const socket = this.socket;
    tracking.getStore()?.add(socket);
    socket.setNoDelay(true);
    // The client's own "stream deleted / leader moved" callbacks are async listeners on this
    // emitter that write on connections that may be gone: their rejections are dropped here
    // instead of escaping as unhandled (the connection's loss is reported anyway).
    const quiet = new EventEmitter({ captureRejections: true });
    Object.assign(quiet, { [Symbol.for('nodejs.rejection')]: () => {} });
    this.closeEventsEmitter = quiet;
    // Remembered for the whole life of the connection: the reason it was lost, if it is.
    socket.on('error', (error) => {
      this[CONNECTION_ERROR] ??= error;
    });
    const started = original.call(this);
    return new Promise((resolve, reject) => {
      const where = `${this.params.hostname}:${this.params.port}`;
      const onTimeout = () =>
        fail(
          this,
          Object.assign(new Error(`handshake with ${where} timed out`), { code: 'ETIMEDOUT' }),
        );
      const onClose = () =>
        reject(
          this[CONNECTION_ERROR] ??
            new Error(`${where} closed the connection during the handshake`),
        );
      socket.once('timeout', onTimeout);
      socket.once('close', onClose);
      started.then(
        (connection) => {
          socket.off('timeout', onTimeout);
          socket.off('close', onClose);
          socket.setTimeout(0);
          resolve(connection);
        },
        (error: unknown) => {
          socket.destroy();
          reject(this[CONNECTION_ERROR] ?? error);
        },
      );
    });
  };
}

/** Marks an `ssl` parameter whose `tls.connect` options are made per dialled host. */
export const TLS_FOR_HOST: unique symbol = Symbol('edgeplane.rabbitmq-streams.tls-for-host');

/** The `ssl` parameter this transport gives the client when TLS is on. */
export interface TlsForHost {
  readonly [TLS_FOR_HOST]: (host: string) => ConnectionOptions;
}

interface SocketParams {
  readonly params: { hostname: string; port: number; socketTimeout?: number; ssl?: unknown };
}

function patchTlsSocket(proto: Prototype): void {
  const original = proto.createSocket as (this: SocketParams) => Socket;
  proto.createSocket = function (this: SocketParams) {
    const { hostname, port, socketTimeout, ssl } = this.params;
    const forHost = (ssl as Partial<TlsForHost> | undefined)?.[TLS_FOR_HOST];
    if (!forHost) return original.call(this);
    const socket = tlsConnect({ ...forHost(hostname), host: hostname, port });
    if (socketTimeout) socket.setTimeout(socketTimeout);
    return socket;
  };
}

function patchReceived(proto: Prototype): void {
  const original = proto.received as (this: ConnectionInternals, data: Buffer) => void;
  proto.received = function (this: ConnectionInternals, data: Buffer) {
    try {
      original.call(this, data);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      fail(this, new StreamProtocolError(text, peekResponseCode(data), { cause: error }));
    }
  };
}

interface Reader {
  readUInt8(): number;
}

function patchApplicationProperties(): void {
  const { ApplicationProperties } =
    require('rabbitmq-stream-js-client/dist/amqp10/applicationProperties.js') as {
      ApplicationProperties: { parse: (r: Reader, n: number) => Record<string, unknown> };
    };
  const { decodeFormatCode } = require('rabbitmq-stream-js-client/dist/response_decoder.js') as {
    decodeFormatCode: (r: Reader, code: number) => unknown;
  };
  ApplicationProperties.parse = (reader: Reader, elements: number) => {
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < elements / 2; i++) {
      const key = String(decodeFormatCode(reader, reader.readUInt8()));
      properties[key] = decodeFormatCode(reader, reader.readUInt8());
    }
    return properties;
  };
}

let installed = false;

/** Installs the shim (idempotent). Returns true the first time. */
export function installClientCompat(): boolean {
  if (installed) return false;
  const { Connection } = require('rabbitmq-stream-js-client/dist/connection.js') as {
    Connection: { prototype: Prototype };
  };
  const proto = Connection.prototype;
  const exchange = proto.exchangeCommandVersions as Method;
  proto.exchangeCommandVersions = function (this: ConnectionInternals) {
    if (isBeforeRabbitmq311(this.peerProperties.version)) return Promise.resolve(true);
    return exchange.call(this);
  };
  for (const step of ['exchangeProperties', 'auth', 'tune', 'open', 'exchangeCommandVersions'])
    patchHandshakeStep(proto, step);
  patchStart(proto);
  patchTlsSocket(proto);
  patchReceived(proto);
  patchApplicationProperties();
  installed = true;
  return true;
}
