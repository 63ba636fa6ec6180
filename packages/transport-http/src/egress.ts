import { connect as tlsConnect } from 'node:tls';
import {
  type ConnectionState,
  EdgeplaneError,
  type LoadedTls,
  loadTls,
  type OutboundMessage,
  plaintextToTlsPortError,
  probeTlsPort,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendPartial,
  sendRetryable,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { Pool } from 'undici';
import {
  COMPONENT,
  cancelledError,
  closedError,
  type ErrorContext,
  mapRequestError,
  mapStatus,
  missingOption,
  notALine,
  parseRetryAfter,
  tooLarge,
} from './errors.js';
import { type ResolvedHttpOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';
import {
  encodeHeaders,
  encodeKey,
  HEADERS_HEADER,
  isLine,
  KEY_HEADER,
  signBody,
  staticHeaders,
  TAKEN_HEADER,
} from './wire.js';

/** The outcome of one request. */
type Outcome =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'retry';
      readonly error: EdgeplaneError;
      readonly afterMs?: number | undefined;
      /** `X-Edgeplane-Taken`: the request's first lines the receiver took all the same. */
      readonly taken?: number | undefined;
    }
  | { readonly kind: 'reject'; readonly error: EdgeplaneError }
  | { readonly kind: 'fail'; readonly error: EdgeplaneError };

const OK: Outcome = { kind: 'ok' };
const LF = new Uint8Array([0x0a]);

/** The longest piece of a response body quoted in an error. */
const QUOTE_CHARS = 200;

/**
 * The egress: an undici `Pool` of keep-alive connections to the URL's origin (`concurrency`
 * connections). `batching=message` sends one request per message, `concurrency` at a time, and
 * is `ok` only when every one answered 2xx; `batching=ndjson` sends the batch as NDJSON requests
 * (split by `maxInFlight` lines and `maxRequestBytes`), one after the other.
 */
export class HttpEgress {
  private pool: Pool | undefined;
  private tls: LoadedTls | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private everAnswered = false;
  private probed: boolean | undefined;
  private state: ConnectionState = 'connecting';
  private lastError: EdgeplaneError | undefined;
  private readonly target: URL | undefined;
  private readonly context: ErrorContext;
  private readonly staticHeaders: Record<string, string>;
  /**
   * Which messages of the last batch a request already delivered (2xx). When the loop sends the
   * same batch again after `retryable` (the same message objects), those are not sent twice: only
   * the rest goes out. A flag array per batch, not a WeakSet (whose entries cost GC time).
   */
  private last: { first: OutboundMessage | undefined; length: number; done: Uint8Array } = {
    first: undefined,
    length: 0,
    done: new Uint8Array(0),
  };

  /** The delivered-flags of `batch`: kept from the previous send of the same batch, else fresh. */
  private flags(batch: readonly OutboundMessage[]): Uint8Array {
    const last = this.last;
    if (last.first === batch[0] && last.length === batch.length) return last.done;
    this.last = { first: batch[0], length: batch.length, done: new Uint8Array(batch.length) };
    return this.last.done;
  }
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(private readonly options: ResolvedHttpOptions) {
    this.target = options.url === undefined ? undefined : new URL(options.url);
    const t = this.target;
    const server = t ? `${t.hostname}:${t.port || (t.protocol === 'https:' ? '443' : '80')}` : '';
    this.context = {
      // Not the URL as configured (scheme://host/path): `url` is a secret option, so text equal to
      // it would be redacted whole; "POST to host:port/path (http)" stays readable.
      action: t
        ? `${options.method} to ${t.host}${t.pathname} (${t.protocol.slice(0, -1)})`
        : options.method,
      server,
    };
    this.staticHeaders = staticHeaders(options, t);
  }

  /** Reads the TLS files and makes the pool (no connection yet). Idempotent. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.opening ??= this.openOnce().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    const t = this.target;
    if (!t) throw missingOption('url', 'an egress', 'url=http://127.0.0.1:8080/');
    const enabled = tlsEnabled(this.options);
    this.tls = enabled
      ? await loadTls(this.options, { component: COMPONENT, enabled, enableHint: TLS_ENABLE_HINT })
      : undefined;
    this.pool = new Pool(t.origin, {
      connections: this.options.batching === 'message' ? this.options.concurrency : 1,
      pipelining: 1,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      connectTimeout: this.options.connectTimeoutMs,
      keepAliveTimeout: 4_000,
      ...(this.tls ? { connect: { ...tlsConnectOptions(this.tls, t.hostname) } } : {}),
    });
  }

  /** Reports `ready` after `open()` (the pool is made; connections are made on first use). */
  opened(): void {
    this.setState('ready');
  }

  private setState(state: ConnectionState, error?: EdgeplaneError): void {
    if (state === this.state && state === 'ready') return;
    this.state = state;
    if (error) this.lastError = error;
    this.onStateChange?.(state, error);
  }

  /** One request; never throws. */
  private async request(
    body: Uint8Array,
    extra: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Outcome> {
    const { options, context } = this;
    const pool = this.pool as Pool;
    const t = this.target as URL;
    const headers: Record<string, string> = { ...extra, ...this.staticHeaders };
    if (options.hmacSecret !== undefined)
      headers[options.hmacHeader.toLowerCase()] = signBody(options.hmacSecret, body);
    try {
      const response = await pool.request({
        path: `${t.pathname}${t.search}`,
        method: options.method,
        headers,
        body,
        ...(signal ? { signal } : {}),
      });
      const status = response.statusCode;
      this.everAnswered = true;
      if (status >= 200 && status < 300) {
        await response.body.dump();
        this.setState('ready');
        return OK;
      }
      let text = '';
      try {
        text = (await response.body.text()).slice(0, QUOTE_CHARS).replace(/\s+/g, ' ').trim();
      } catch {
        // the body is only quoted
      }
      const outcome = mapStatus(status, text, context);
      if (outcome.kind === 'retry') {
        const taken = Number(response.headers[TAKEN_HEADER]);
        return {
          ...outcome,
          afterMs: parseRetryAfter(response.headers['retry-after']),
          ...(Number.isSafeInteger(taken) && taken > 0 ? { taken } : {}),
        };
      }
      this.setState('ready');
      return outcome;
    } catch (error) {
      if (signal?.aborted) return { kind: 'fail', error: cancelledError() };
      let mapped = mapRequestError(error, context);
      if (mapped.code === 'unavailable' && !this.everAnswered && t.protocol === 'http:') {
        // A plaintext request to a port that speaks TLS: say how to turn TLS on, for good.
        this.probed ??= await probeTlsPort(t.hostname, Number(t.port || 80));
        if (this.probed)
          mapped = plaintextToTlsPortError(COMPONENT, context.server, TLS_ENABLE_HINT, error);
      }
      if (mapped.code === 'unavailable' && !this.everAnswered && this.tls) {
        // With TLS 1.3 a server refusing our client certificate (or its absence) says so after
        // the handshake, and undici only sees the socket close: one handshake of our own, kept
        // open briefly, hears the alert and names the option (`tlsCertFile`...).
        const tls = await this.diagnoseTls();
        if (tls) mapped = tls;
      }
      if (mapped.retryable) {
        this.setState('reconnecting', mapped);
        return { kind: 'retry', error: mapped };
      }
      if (mapped.code === 'tls') this.setState('failed', mapped);
      return { kind: 'fail', error: mapped };
    }
  }

  /** A TLS handshake to the server with our settings, held 500 ms: the TLS problem it meets, if any. */
  private diagnoseTls(): Promise<EdgeplaneError | undefined> {
    const t = this.target as URL;
    const loaded = this.tls as LoadedTls;
    return new Promise<EdgeplaneError | undefined>((resolve) => {
      let done = false;
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(error === undefined ? undefined : mapRequestError(error, this.context));
      };
      const socket = tlsConnect({
        host: t.hostname,
        port: Number(t.port || 443),
        ...tlsConnectOptions(loaded, t.hostname),
      });
      socket.once('error', (error) => finish(error));
      socket.once('close', () => finish());
      const timer = setTimeout(() => finish(), 1500);
      timer.unref();
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        setTimeout(() => finish(), 500).unref();
      });
    }).then((e) => (e && e.code === 'tls' ? e : undefined));
  }

  /**
   * Sends a batch. `ok` once every message was answered 2xx; `partial` for messages refused alone
   * (413, other 4xx, over `maxBodyBytes`, not a line); `retryable` (with the longest
   * `Retry-After`) when any request got 429/5xx/a connection error; `failed` for 401/403/404/405/TLS.
   */
  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return sendFailed(closedError());
    if (signal?.aborted) return sendFailed(cancelledError());
    try {
      await this.open();
    } catch (error) {
      const e = EdgeplaneError.from(error, COMPONENT, 'unavailable');
      return e.retryable ? sendRetryable(e) : sendFailed(e);
    }
    if (batch.length === 0) return sendPartial([]);
    const rejected: RejectedMessage[] = [];
    const outcomes =
      this.options.batching === 'ndjson'
        ? await this.sendNdjson(batch, rejected, signal)
        : await this.sendMessages(batch, rejected, signal);
    let retry: (Outcome & { kind: 'retry' }) | undefined;
    let afterMs: number | undefined;
    for (const o of outcomes) {
      if (o.kind === 'fail') return sendFailed(o.error);
      if (o.kind === 'retry') {
        retry ??= o;
        if (o.afterMs !== undefined) afterMs = Math.max(afterMs ?? 0, o.afterMs);
      }
    }
    if (this.closed) return sendFailed(closedError());
    if (retry) {
      const down =
        this.state === 'reconnecting' && this.lastError && retry.error !== this.lastError
          ? ` (reconnecting; last error: ${this.lastError.message})`
          : '';
      const error = down
        ? new EdgeplaneError(retry.error.code, COMPONENT, `${retry.error.detail}${down}`, {
            cause: retry.error,
          })
        : retry.error;
      return sendRetryable(error, afterMs);
    }
    return sendPartial(rejected.sort((a, b) => a.index - b.index));
  }

  /** One request per message, `concurrency` at a time; no new request after a retryable one. */
  private async sendMessages(
    batch: readonly OutboundMessage[],
    rejected: RejectedMessage[],
    signal?: AbortSignal,
  ): Promise<Outcome[]> {
    const { options } = this;
    const outcomes: Outcome[] = [];
    const done = this.flags(batch);
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop && next < batch.length) {
        const index = next++;
        const m = batch[index] as OutboundMessage;
        if (done[index] === 1) continue;
        if (m.body.byteLength > options.maxBodyBytes) {
          rejected.push({ index, error: tooLarge(index, m.body.byteLength, options.maxBodyBytes) });
          continue;
        }
        const extra: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (m.key !== undefined) extra[KEY_HEADER] = encodeKey(m.key);
        if (m.headers && Object.keys(m.headers).length > 0)
          extra[HEADERS_HEADER] = encodeHeaders(m.headers);
        const o = await this.request(m.body, extra, signal);
        if (o.kind === 'ok') done[index] = 1;
        if (o.kind === 'reject') {
          rejected.push({
            index,
            error: new EdgeplaneError(
              o.error.code,
              COMPONENT,
              `message ${index}: ${o.error.detail}`,
              {
                ...(o.error.hint ? { hint: o.error.hint } : {}),
                ...(o.error.details ? { details: o.error.details } : {}),
              },
            ),
          });
          continue;
        }
        if (o.kind !== 'ok') {
          stop = true;
          outcomes.push(o);
        }
      }
    };
    const workers = Math.min(options.concurrency, batch.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return outcomes;
  }

  /** NDJSON requests, one after the other, each at most `maxInFlight` lines and `maxRequestBytes`. */
  private async sendNdjson(
    batch: readonly OutboundMessage[],
    rejected: RejectedMessage[],
    signal?: AbortSignal,
  ): Promise<Outcome[]> {
    const { options } = this;
    const done = this.flags(batch);
    let parts: Uint8Array[] = [];
    let members: number[] = [];
    let lines = 0;
    let bytes = 0;
    const flush = async (): Promise<Outcome> => {
      if (lines === 0) return OK;
      const body = Buffer.concat(parts, bytes);
      const sent = members;
      parts = [];
      members = [];
      lines = 0;
      bytes = 0;
      const o = await this.request(body, { 'content-type': 'application/x-ndjson' }, signal);
      if (o.kind === 'ok') for (const i of sent) done[i] = 1;
      else if (o.kind === 'retry' && o.taken !== undefined)
        for (const i of sent.slice(0, o.taken)) done[i] = 1;
      // A refusal of the whole request cannot name its message: `failed` with its code makes the
      // loop send the batch one message at a time (rule 11).
      return o.kind === 'reject' ? { kind: 'fail', error: o.error } : o;
    };
    for (let index = 0; index < batch.length; index++) {
      const m = batch[index] as OutboundMessage;
      if (done[index] === 1) continue;
      const size = m.body.byteLength + 1;
      if (!isLine(m.body)) {
        rejected.push({ index, error: notALine(index) });
        continue;
      }
      if (m.body.byteLength > options.maxBodyBytes || size > options.maxRequestBytes) {
        const limit = Math.min(options.maxBodyBytes, options.maxRequestBytes - 1);
        rejected.push({ index, error: tooLarge(index, m.body.byteLength, limit) });
        continue;
      }
      if (lines >= options.maxInFlight || bytes + size > options.maxRequestBytes) {
        const o = await flush();
        if (o.kind !== 'ok') return [o];
      }
      parts.push(m.body, LF);
      members.push(index);
      lines++;
      bytes += size;
    }
    const o = await flush();
    return o.kind === 'ok' ? [] : [o];
  }

  /** Idempotent; waits up to 1 s for requests in flight, then destroys the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pool = this.pool;
    if (!pool) return;
    await Promise.race([
      pool.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    await pool.destroy().catch(() => {});
  }
}
