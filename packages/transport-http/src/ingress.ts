import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  type ConnectionState,
  type EdgeplaneError,
  type InboundBatch,
  type InboundMessage,
  loadListenTls,
  type ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import { COMPONENT, closedError, listenError, missingOption } from './errors.js';
import type { ResolvedHttpOptions } from './options.js';
import {
  decodeHeaders,
  decodeKey,
  HEADERS_HEADER,
  KEY_HEADER,
  safeEqual,
  signBody,
  splitLines,
  TAKEN_HEADER,
} from './wire.js';

/** One request taken into the window, answered once all its messages were acknowledged. */
interface Request {
  readonly res: ServerResponse;
  /** Messages of it not yet acknowledged. */
  remaining: number;
  /** Messages of it acknowledged (a prefix: acks come in receive order). */
  taken: number;
  /** `waiting` for acks, `answered`, or `gone` (the client left: never answered). */
  state: 'waiting' | 'answered' | 'gone';
}

/** A batch handed out by `receive()` and not yet fully acknowledged or given back. */
interface OpenBatch {
  readonly taken: HttpMessage[];
  /** Messages `[0, acked)` are acknowledged. */
  acked: number;
}

/** Where the messages of one request came from (shared by them). */
interface RequestSource {
  readonly boot: string;
  readonly seq: number;
  readonly from: string;
  readonly lines: boolean;
}

/**
 * A received message: plain fields, `id` and `origin` computed when asked (rule 9: no
 * per-message string building on the hot path).
 */
class HttpMessage implements InboundMessage {
  constructor(
    readonly body: Uint8Array,
    readonly headers: Readonly<Record<string, string>>,
    readonly key: string | undefined,
    private readonly source: RequestSource,
    private readonly line: number,
    /** The request it came in (answered once all its messages are acknowledged). */
    readonly request: Request,
  ) {}

  /** `<boot>-<request>`, or `<boot>-<request>.<line>` with NDJSON; `<boot>` is random per start. */
  get id(): string {
    const { boot, seq, lines } = this.source;
    return lines ? `${boot}-${seq}.${this.line}` : `${boot}-${seq}`;
  }

  get origin(): string {
    const { seq, from, lines } = this.source;
    return `http request ${seq} from ${from}${lines ? ` line ${this.line + 1}` : ''}`;
  }
}

/** Counters of the ingress, for tests, the bench and the docs' health section. */
export interface IngressStats {
  /** Requests answered 2xx (their messages were all taken by the egress). */
  acknowledged: number;
  /** Messages taken from requests. */
  messages: number;
  /** Answered 429: the window or `maxPendingRequests` was full. */
  busy: number;
  /** Answered 413. */
  tooLarge: number;
  /** Answered 400. */
  badRequest: number;
  /** Answered 401 / 403. */
  unauthorized: number;
  /** Answered 503 (closing). */
  unavailable: number;
  /** Requests whose client went away before the acknowledgement. */
  gone: number;
  /** Open TCP connections now. */
  connections: number;
  /** Messages taken and not yet acknowledged now (the window in use). */
  inFlight: number;
  /** Requests being read or waiting now. */
  pendingRequests: number;
}

/**
 * The ingress: a Node `http`/`https` server. A request is admitted while the window
 * (`maxInFlight` messages, `maxPendingRequests` requests) has room, its body read up to
 * `maxBodyBytes`, its messages queued for `receive()`; the response is the acknowledgement (204
 * once every message of it was acknowledged by the loop). No queue grows past the window.
 */
export class HttpIngress {
  readonly stats: IngressStats = {
    acknowledged: 0,
    messages: 0,
    busy: 0,
    tooLarge: 0,
    badRequest: 0,
    unauthorized: 0,
    unavailable: 0,
    gone: 0,
    connections: 0,
    inFlight: 0,
    pendingRequests: 0,
  };
  /** Where it listens, once `open()` resolved. */
  address: { host: string; port: number } | undefined;
  private server: ReturnType<typeof createHttpServer> | undefined;
  private readonly ready: HttpMessage[] = [];
  private readyHead = 0;
  private readonly unsettled = new Set<OpenBatch>();
  private wake: (() => void) | undefined;
  private closed = false;
  private opening: Promise<void> | undefined;
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly allow: readonly string[];
  private readonly bearer: string | undefined;
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(private readonly options: ResolvedHttpOptions) {
    this.allow = (options.headerAllowList ?? []).map((h) => h.toLowerCase());
    this.bearer = options.authToken === undefined ? undefined : `Bearer ${options.authToken}`;
  }

  /** Starts listening (idempotent). `invalid-config` naming `listen` when it cannot bind. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.opening ??= this.listen().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async listen(): Promise<void> {
    const { listen } = this.options;
    if (listen === undefined) throw missingOption('listen', 'an ingress', 'listen=127.0.0.1:8080');
    const tls = await loadListenTls(this.options, COMPONENT);
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    server.keepAliveTimeout = 65_000;
    server.on('connection', (socket) => {
      this.stats.connections++;
      socket.once('close', () => this.stats.connections--);
    });
    // A client's broken TLS handshake or bad request line: answered by Node, never fatal.
    server.on('clientError', (_error, socket) => socket.destroy());
    const colon = listen.lastIndexOf(':');
    const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(listen.slice(colon + 1));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError(error, listen)));
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.address = { host: address.address, port: address.port };
    this.server = server;
    if (this.closed) {
      server.close();
      throw closedError();
    }
    this.onStateChange?.('ready');
  }

  private refuse(
    res: ServerResponse,
    status: number,
    text: string,
    extra?: Record<string, string>,
  ): undefined {
    if (status === 429) this.stats.busy++;
    else if (status === 413) this.stats.tooLarge++;
    else if (status === 400) this.stats.badRequest++;
    else if (status === 401 || status === 403) this.stats.unauthorized++;
    else if (status === 503) this.stats.unavailable++;
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      ...extra,
    };
    if (status === 429 || status === 503)
      headers['retry-after'] = String(this.options.retryAfterSeconds);
    if (!res.headersSent) res.writeHead(status, headers);
    res.end(`${text}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const { options, stats } = this;
    if (this.closed) return this.refuse(res, 503, 'closing', { connection: 'close' });
    const q = req.url?.indexOf('?') ?? -1;
    const path = q < 0 ? req.url : req.url?.slice(0, q);
    if (path !== options.path) return this.refuse(res, 404, 'no such path');
    const write = req.method === 'POST' || req.method === 'PUT';
    if (!write && req.method !== 'OPTIONS')
      return this.refuse(res, 405, 'use POST or PUT', { allow: 'POST, PUT' });
    if (this.bearer !== undefined) {
      const given = req.headers.authorization;
      if (given === undefined)
        return this.refuse(res, 401, 'authorization required', { 'www-authenticate': 'Bearer' });
      if (!safeEqual(given, this.bearer)) return this.refuse(res, 403, 'wrong token');
    }
    // OPTIONS (what `edgeplane doctor` sends): the path and the token are right; nothing is taken.
    if (!write) {
      res.writeHead(204, { allow: 'POST, PUT, OPTIONS' }).end();
      return;
    }
    if (
      stats.pendingRequests >= options.maxPendingRequests ||
      stats.inFlight >= options.maxInFlight
    )
      return this.refuse(res, 429, 'busy: the window is full', { connection: 'close' });
    const limit = options.framing === 'ndjson' ? options.maxRequestBytes : options.maxBodyBytes;
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limit)
      return this.refuse(res, 413, `body over ${limit} bytes`, { connection: 'close' });
    stats.pendingRequests++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      stats.pendingRequests--;
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const request: Request = { res, remaining: 0, taken: 0, state: 'waiting' };
    res.once('close', () => {
      release();
      if (request.state === 'waiting' && !res.writableFinished) {
        request.state = 'gone';
        stats.gone++;
      }
    });
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        // Reading stops here: nothing more is kept, the connection is closed after the answer.
        over = true;
        chunks.length = 0;
        request.state = 'answered';
        this.refuse(res, 413, `body over ${limit} bytes`, { connection: 'close' });
        res.once('finish', () => req.socket.destroy());
        return;
      }
      chunks.push(chunk);
    });
    req.once('error', () => {
      request.state = request.state === 'waiting' ? 'gone' : request.state;
    });
    req.once('end', () => {
      if (over || request.state !== 'waiting') return;
      this.take(
        req,
        request,
        chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
      );
    });
  }

  /** A request fully read: checks it, frames it, queues its messages (or answers at once). */
  private take(req: IncomingMessage, request: Request, body: Buffer): undefined {
    const { options, stats } = this;
    const { res } = request;
    const answer = (status: number, text: string): undefined => {
      request.state = 'answered';
      this.refuse(res, status, text);
    };
    if (this.closed) return answer(503, 'closing');
    if (options.hmacSecret !== undefined) {
      const given = req.headers[options.hmacHeader.toLowerCase()];
      if (typeof given !== 'string' || !safeEqual(given, signBody(options.hmacSecret, body)))
        return answer(401, `missing or wrong ${options.hmacHeader}`);
    }
    let key: string | undefined;
    const rawKey = req.headers[KEY_HEADER];
    if (typeof rawKey === 'string') {
      key = decodeKey(rawKey);
      if (key === undefined) return answer(400, `${KEY_HEADER} is not percent-encoded UTF-8`);
    }
    let headers: Record<string, string> = {};
    const rawHeaders = req.headers[HEADERS_HEADER];
    if (typeof rawHeaders === 'string') {
      const decoded = decodeHeaders(rawHeaders);
      if (decoded === undefined)
        return answer(400, `${HEADERS_HEADER} is not a percent-encoded JSON object of strings`);
      headers = decoded;
    }
    for (const name of this.allow) {
      const v = req.headers[name];
      if (v !== undefined && !(name in headers))
        headers[name] = Array.isArray(v) ? v.join(', ') : v;
    }
    const bodies = options.framing === 'ndjson' ? splitLines(body) : [body];
    const n = bodies.length;
    if (options.framing === 'ndjson' && bodies.some((b) => b.length > options.maxBodyBytes))
      return answer(413, `a line is over maxBodyBytes (${options.maxBodyBytes})`);
    if (n > options.maxInFlight)
      return answer(413, `${n} lines is over maxInFlight (${options.maxInFlight})`);
    if (stats.inFlight + n > options.maxInFlight) {
      request.state = 'answered';
      return this.refuse(res, 429, 'busy: the window is full');
    }
    if (n === 0) {
      request.state = 'answered';
      stats.acknowledged++;
      res.writeHead(204).end();
      return;
    }
    const seq = this.seq++;
    const source: RequestSource = {
      boot: this.boot,
      seq,
      from: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
      lines: options.framing === 'ndjson',
    };
    request.remaining = n;
    stats.inFlight += n;
    stats.messages += n;
    // One frozen header map shared by the messages of the request (messages are never mutated).
    const shared = Object.freeze(headers);
    for (let i = 0; i < n; i++)
      this.ready.push(new HttpMessage(bodies[i] as Uint8Array, shared, key, source, i, request));
    this.wake?.();
  }

  /**
   * One message acknowledged: the request is answered 204 when it was its last. Returns a promise
   * of that answer being handed to the socket (so a process stopping right after an ack still
   * sends it), or undefined.
   */
  private settle(entry: HttpMessage): Promise<void> | undefined {
    this.stats.inFlight--;
    const r = entry.request;
    r.taken++;
    if (--r.remaining > 0 || r.state !== 'waiting') return undefined;
    r.state = 'answered';
    this.stats.acknowledged++;
    const res = r.res;
    return new Promise<void>((resolve) => {
      res.once('close', () => resolve());
      res.writeHead(204).end(() => resolve());
    });
  }

  /**
   * Destroys every client connection now (requests being read or waiting are dropped unanswered:
   * their clients send again). For tests and operators who rebalance keep-alive clients.
   */
  dropConnections(): void {
    this.server?.closeAllConnections();
  }

  /** Messages waiting to be received, and received but unacknowledged. */
  get backlog(): number {
    return this.stats.inFlight;
  }

  /** Takes up to `max` ready messages, dropping those of requests whose client left. */
  private next(max: number): HttpMessage[] {
    const out: HttpMessage[] = [];
    while (this.readyHead < this.ready.length && out.length < max) {
      const entry = this.ready[this.readyHead++] as HttpMessage;
      if (entry.request.state === 'gone') {
        this.stats.inFlight--;
        continue;
      }
      out.push(entry);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    } else if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
    return out;
  }

  /** Yields batches of received messages until the signal aborts or `close()`. */
  async *receive({ signal, maxBatchMessages }: ReceiveOptions): AsyncGenerator<InboundBatch> {
    if (this.closed) return;
    const max = Math.max(1, maxBatchMessages ?? this.options.maxInFlight);
    while (!signal.aborted && !this.closed) {
      const taken = this.next(max);
      if (taken.length === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            if (this.wake === done) this.wake = undefined;
            resolve();
          };
          this.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      yield this.batch(taken);
    }
  }

  private batch(taken: HttpMessage[]): InboundBatch {
    const batch: OpenBatch = { taken, acked: 0 };
    this.unsettled.add(batch);
    return {
      messages: taken,
      ack: async (count = taken.length) => {
        if (this.closed) throw closedError();
        if (!this.unsettled.has(batch)) return;
        const end = Math.min(count, taken.length);
        const answers: Promise<void>[] = [];
        for (; batch.acked < end; batch.acked++) {
          const answered = this.settle(taken[batch.acked] as HttpMessage);
          if (answered) answers.push(answered);
        }
        if (batch.acked === taken.length) this.unsettled.delete(batch);
        // Resolved once the 204s were written out (at most 1 s: a stuck client cannot hold it).
        if (answers.length > 0)
          await Promise.race([
            Promise.all(answers),
            new Promise((resolve) => setTimeout(resolve, 1000).unref()),
          ]);
      },
      nack: async () => {
        if (this.closed) throw closedError();
        if (!this.unsettled.delete(batch)) return;
        // The unacknowledged rest goes back to the front of the queue, in order.
        this.ready.splice(this.readyHead, 0, ...taken.slice(batch.acked));
        this.wake?.();
      },
    };
  }

  /**
   * Stops accepting, answers every request not yet acknowledged 503 (`Retry-After`: the client
   * sends again), ends the iterators. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    const open: HttpMessage[] = [];
    for (const b of this.unsettled) open.push(...b.taken.slice(b.acked));
    open.push(...this.ready.slice(this.readyHead));
    this.unsettled.clear();
    this.ready.length = 0;
    this.readyHead = 0;
    for (const e of open) {
      const r = e.request;
      if (r.state !== 'waiting') continue;
      r.state = 'answered';
      // NDJSON: the lines already taken are said, so the sender resends only the rest.
      this.refuse(r.res, 503, 'closing', {
        connection: 'close',
        ...(r.taken > 0 ? { [TAKEN_HEADER]: String(r.taken) } : {}),
      });
    }
    this.stats.inFlight = 0;
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, 1000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    this.onStateChange?.('closed');
  }
}
