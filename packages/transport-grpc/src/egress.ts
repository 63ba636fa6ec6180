import { create, type DescMethodUnary, toBinary } from '@bufbuild/protobuf';
import type { Transport as ConnectTransport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
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
  sendOk,
  sendPartial,
  sendRetryable,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import {
  cancelledError,
  closedError,
  type ErrorContext,
  grpcError,
  isPermanentRefusal,
  missingForRole,
  partlyTaken,
  pushbackMs,
  requestTooLarge,
  tooLarge,
} from './errors.js';
import {
  type IngestRequest,
  IngestRequestSchema,
  type IngestResponse,
  type IngestResponseSchema,
  type Message,
  MessageSchema,
} from './gen/edgeplane/v1/ingest_pb.js';
import { type ResolvedGrpcOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';
import { serviceFor } from './service.js';

const asResult = (error: EdgeplaneError, retryAfterMs?: number): SendResult =>
  error.retryable ? sendRetryable(error, retryAfterMs) : sendFailed(error);

/**
 * The egress: one unary call per batch to `method` at `url`, with `timeoutMs` as its deadline,
 * over one HTTP/2 connection (h2c, or TLS with the shared `tls*` options) kept by connect-node's
 * session manager, which reconnects on the next call after a loss. `ok` only on an OK answer: the
 * server's acknowledgement. UNAVAILABLE, RESOURCE_EXHAUSTED (with the server's pushback),
 * DEADLINE_EXCEEDED, ABORTED and connection errors are retryable; UNAUTHENTICATED and
 * PERMISSION_DENIED are permanent (`authToken`); INVALID_ARGUMENT and the rest are permanent.
 */
export class Egress {
  private session: Http2SessionManager | undefined;
  private transport: ConnectTransport | undefined;
  private tls: LoadedTls | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private readonly method: DescMethodUnary<typeof IngestRequestSchema, typeof IngestResponseSchema>;
  private readonly context: ErrorContext;
  private readonly url: URL;
  private state: ConnectionState = 'connecting';
  private failures = 0;
  /** Batches the server took the first part of: where the rest starts (see `send`). */
  private readonly progress = new WeakMap<
    readonly OutboundMessage[],
    { readonly done: number; readonly rejected: RejectedMessage[] }
  >();
  /** A permanent refusal (credentials, TLS): every later send fails with it. */
  fatal: EdgeplaneError | undefined;
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(private readonly options: ResolvedGrpcOptions) {
    if (options.url === undefined) throw missingForRole('url', 'egress');
    this.url = new URL(options.url);
    this.method = serviceFor(options.method).method as unknown as DescMethodUnary<
      typeof IngestRequestSchema,
      typeof IngestResponseSchema
    >;
    this.context = { method: options.method, server: this.url.host };
  }

  /** Reads the TLS files, then connects once (`unavailable`, or a permanent `tls` error). */
  open(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.opening ??= this.openOnce(signal).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async openOnce(signal?: AbortSignal): Promise<void> {
    const { options, url } = this;
    const enabled = tlsEnabled(options);
    this.tls = await loadTls(options, {
      component: 'transport:grpc',
      enabled,
      enableHint: TLS_ENABLE_HINT,
    });
    const base = `${enabled ? 'https' : 'http'}://${url.host}${url.pathname.replace(/\/$/, '')}`;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const nodeOptions = this.tls ? tlsConnectOptions(this.tls, host) : {};
    this.session = new Http2SessionManager(
      base,
      {
        connectTimeoutMs: options.connectTimeoutMs,
        pingIntervalMs: 30_000,
        pingTimeoutMs: 15_000,
        idleConnectionTimeoutMs: 900_000,
      },
      nodeOptions,
    );
    const common = {
      baseUrl: base,
      httpVersion: '2' as const,
      sessionManager: this.session,
      defaultTimeoutMs: options.timeoutMs,
      readMaxBytes: options.maxRequestBytes,
      writeMaxBytes: options.maxRequestBytes,
    };
    this.transport =
      options.protocol === 'grpc'
        ? createGrpcTransport(common)
        : options.protocol === 'grpcweb'
          ? createGrpcWebTransport(common)
          : createConnectTransport(common);
    const state = await this.session.connect();
    if (signal?.aborted) throw cancelledError();
    if (state === 'error') {
      const error = await this.connectFailure(this.session.error());
      // Nothing listening yet (the ingress of a push pipeline may start after its writer, or be
      // restarting): open() succeeds, the state is `reconnecting`, and each send is retryable
      // until the server is there. A permanent refusal (TLS, a TLS port spoken to in plaintext)
      // fails open() at once.
      if (!error.retryable) throw error;
      this.down(error);
      return;
    }
    // An h2c connection "opens" as soon as TCP does, even to a TLS port: ask the port once.
    if (!enabled && (await this.speaksTls())) throw this.plaintextToTls();
    this.ready();
  }

  /** The mapped error of a failed connect; a plaintext connection to a TLS port says so. */
  private async connectFailure(cause: unknown): Promise<EdgeplaneError> {
    const error = grpcError(cause, this.context);
    if (
      !tlsEnabled(this.options) &&
      error.code === 'unavailable' &&
      error.details?.errno !== 'ECONNREFUSED' &&
      (await this.speaksTls())
    )
      return this.plaintextToTls(cause);
    return error;
  }

  /** Whether the server's port answers a TLS handshake (for plaintext `url`s). */
  private speaksTls(): Promise<boolean> {
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    return probeTlsPort(host, Number(this.url.port || 80), 1000);
  }

  private plaintextToTls(cause?: unknown): EdgeplaneError {
    return plaintextToTlsPortError('transport:grpc', this.url.host, TLS_ENABLE_HINT, cause);
  }

  private ready(): void {
    if (this.state === 'ready') return;
    this.state = 'ready';
    this.failures = 0;
    this.onStateChange?.('ready');
  }

  private down(error: EdgeplaneError): void {
    this.failures++;
    if (isPermanentRefusal(error)) {
      this.fatal = error;
      this.state = 'failed';
      this.onStateChange?.('failed', error);
      return;
    }
    if (error.code !== 'unavailable') return;
    this.state = 'reconnecting';
    this.onStateChange?.('reconnecting', error);
  }

  /** Messages over `maxBodyBytes`, refused before anything is sent. */
  private oversized(batch: readonly OutboundMessage[]): RejectedMessage[] {
    const limit = this.options.maxBodyBytes;
    const rejected: RejectedMessage[] = [];
    for (let i = 0; i < batch.length; i++) {
      const size = (batch[i] as OutboundMessage).body.byteLength;
      if (size > limit) rejected.push({ index: i, error: tooLarge(i, size, limit) });
    }
    return rejected;
  }

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return sendFailed(closedError());
    if (this.fatal) return sendFailed(this.fatal);
    if (signal?.aborted) return sendFailed(cancelledError());
    if (batch.length === 0) return sendOk();
    if (!this.transport) {
      try {
        await this.open(signal);
      } catch (error) {
        const e = EdgeplaneError.from(error, 'transport:grpc', 'unavailable');
        this.down(e);
        return asResult(e);
      }
    }
    // A batch the server took part of (it stopped mid-call, answering `accepted` < sent): the
    // loop sends the same batch again, and only the rest goes out.
    const progress = this.progress.get(batch) ?? { done: 0, rejected: this.oversized(batch) };
    const skip = new Set(progress.rejected.map((r) => r.index));
    const messages: Message[] = [];
    const indices: number[] = [];
    for (let i = progress.done; i < batch.length; i++) {
      if (skip.has(i)) continue;
      const m = batch[i] as OutboundMessage;
      indices.push(i);
      messages.push(
        create(MessageSchema, {
          body: m.body,
          ...(m.key === undefined ? {} : { key: m.key }),
          headers: m.headers ? { ...m.headers } : {},
        }),
      );
    }
    if (messages.length === 0) return this.finish(batch, progress.rejected);
    const request: IngestRequest = create(IngestRequestSchema, { messages });
    const size = messages.reduce((n, m) => n + m.body.byteLength, 0);
    if (size > this.options.maxRequestBytes) {
      const encoded = toBinary(IngestRequestSchema, request).byteLength;
      if (encoded > this.options.maxRequestBytes)
        return sendFailed(requestTooLarge(encoded, this.options.maxRequestBytes));
    }
    const header = this.headers();
    let accepted: number;
    try {
      const response = await (this.transport as ConnectTransport).unary(
        this.method,
        signal,
        this.options.timeoutMs,
        header,
        request,
      );
      accepted = response.message.accepted;
    } catch (error) {
      if (this.closed) return sendFailed(closedError());
      if (signal?.aborted) return sendFailed(cancelledError());
      const mapped = grpcError(error, this.context);
      this.down(mapped);
      return asResult(mapped, pushbackMs(error));
    }
    this.ready();
    if (accepted > 0 && accepted < messages.length) {
      this.progress.set(batch, {
        done: indices[accepted] as number,
        rejected: progress.rejected,
      });
      return sendRetryable(partlyTaken(this.context, accepted, messages.length), 0);
    }
    return this.finish(batch, progress.rejected);
  }

  private finish(batch: readonly OutboundMessage[], rejected: RejectedMessage[]): SendResult {
    this.progress.delete(batch);
    return sendPartial(rejected);
  }

  private headers(): Headers {
    const header = new Headers();
    if (this.options.authToken !== undefined)
      header.set('authorization', `Bearer ${this.options.authToken}`);
    return header;
  }

  /**
   * For `check()`: connects as `open()` does, then makes one call with **no messages** (nothing
   * is written; edgeplane's ingress answers `accepted: 0`), which tells whether the server
   * serves `method` and takes `authToken`.
   * @throws EdgeplaneError as `send` maps it: `unauthenticated`, `permission-denied`,
   *   `not-found` (UNIMPLEMENTED), `unavailable`, `tls`.
   */
  async probe(signal: AbortSignal, timeoutMs: number): Promise<void> {
    let down: EdgeplaneError | undefined;
    const report = this.onStateChange;
    this.onStateChange = (_state, error) => {
      down ??= error;
    };
    try {
      await this.open(signal);
    } finally {
      this.onStateChange = report;
    }
    if (down) throw down;
    const empty = create(IngestRequestSchema, { messages: [] });
    const transport = this.transport as ConnectTransport;
    await transport
      .unary(this.method, signal, timeoutMs, this.headers(), empty)
      .catch((error: unknown) => {
        throw grpcError(error, this.context);
      });
  }

  /** Whether the egress reached the server at least once, and its state. */
  get connectionState(): ConnectionState {
    return this.closed ? 'closed' : this.state;
  }

  /** Failed calls in a row. */
  get recentFailures(): number {
    return this.failures;
  }

  /** Idempotent; a call in flight ends with `closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session?.abort();
    this.onStateChange?.('closed');
  }
}

export type { IngestResponse };
