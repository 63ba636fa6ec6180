import type { EdgeplaneError } from '@edgeplane/errors';

/**
 * A message on its way out: bytes plus an optional key and string headers.
 * `body` is never decoded by the loop; non-UTF-8 bytes pass through unchanged.
 */
export interface OutboundMessage {
  /** Partitioning / routing key (Kafka key, Redis field, NATS subject suffix...). */
  readonly key?: string | undefined;
  /** String headers; transports without headers declare `capabilities.headers: false`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The payload, in bytes. */
  readonly body: Uint8Array;
  /**
   * Optional hint: `body.byteLength`, for messages that materialise `body` lazily (the loop reads
   * it for byte-based batching instead of touching `body`). Must equal `body.byteLength`.
   */
  readonly bodyLength?: number | undefined;
}

/** A message received from an ingress. `id` is stable across redelivery. */
export interface InboundMessage extends OutboundMessage {
  /** Stable identity, e.g. `HDFS_2k.log@1024`, `orders/0@42`, a stream sequence. */
  readonly id: string;
  /** Opaque resume point (pass it as `receive({ from })`) where `capabilities.replay` is true. */
  readonly position?: string | undefined;
  /**
   * Where the message came from, for an operator: `file /var/log/a.log line 12 byte 1024`,
   * `topic orders partition 0 offset 42`, `stream s entry 1700000000000-0`, `stream orders
   * offset 42`. The loop names it in the error of a message the egress refuses; absent: `id`.
   */
  readonly origin?: string | undefined;
}

/**
 * A batch from `receive()`. Batches are acknowledged, not messages: `ack(n)` acknowledges the
 * first `n` messages (default: all) and is cumulative where the transport is ordered.
 * The loop calls `ack` only after the egress has durably taken every message up to that point,
 * and always in receive order. Unacknowledged messages come back after a restart (redelivery).
 */
export interface InboundBatch {
  readonly messages: readonly InboundMessage[];
  /**
   * Acknowledges messages `[0, count)` of this batch (default: all). Resolves once the
   * acknowledgement is durable (committed on the server, or on disk) where the protocol allows;
   * the loop waits for it before sending its next egress batch, which bounds duplicates after a
   * crash to one batch. The loop may acknowledge a batch partially and later fully, and calls
   * `ack` after the receive iterator has ended (until `close()`). The loop does not retry a
   * failed ack (it only records it): a transport whose connection drops should wait through its
   * reconnect and acknowledge then.
   * @throws EdgeplaneError `closed` after `close()`, or the transport's mapped error.
   */
  ack(count?: number): Promise<void>;
  /** Gives the unacknowledged rest back for redelivery, optionally after a delay in ms. */
  nack(options?: { readonly retryAfterMs?: number }): Promise<void>;
}

/**
 * Connection state reported in snapshots (reference decision 3). `stalled` is set by the loop
 * only (never by a transport): work is outstanding on the adapter (a send, an ack) and has had no
 * answer for longer than `loop.stallAfterMs`.
 */
export type ConnectionState =
  | 'ready'
  | 'connecting'
  | 'reconnecting'
  | 'stalled'
  | 'failed'
  | 'closed';

/** What the transport promises. The conformance suite checks every claim. */
export interface TransportCapabilities {
  /** Implements `receive()`. */
  readonly source: boolean;
  /** Implements `send()`. */
  readonly sink: boolean;
  /** Order the source delivers in, and the sink preserves. */
  readonly ordering: 'none' | 'per-key' | 'total';
  /** Unacknowledged messages come back after reopen. */
  readonly redelivery: boolean;
  /** `receive({ from: position })` resumes exactly after that position. */
  readonly replay: boolean;
  /** `key` survives a round trip. */
  readonly keys: boolean;
  /** `headers` survive a round trip. */
  readonly headers: boolean;
  /** Delivery guarantee of the source side. */
  readonly delivery: 'at-least-once' | 'at-most-once';
  /**
   * `message`: any bytes round-trip. `line`: bodies are newline-framed, so a body must not
   * contain LF (0x0A) nor end with CR (0x0D); the sink rejects such a body with `invalid-input`.
   */
  readonly framing: 'message' | 'line';
  /** Largest body accepted, in bytes, if limited. */
  readonly maxBodyBytes?: number | undefined;
  /**
   * Flow-control window of the source: the most unacknowledged messages it delivers before it
   * waits for acks (a push-based broker's in-flight limit; 1 for a client that hands over one
   * message at a time). Absent: not limited by acknowledgements. The loop closes egress batches
   * at this size, so a small window does not wait out `lingerMs`; the conformance suite
   * acknowledges as it goes and checks the window is kept.
   */
  readonly maxInFlight?: number | undefined;
}

/** One message of a batch that the egress refused permanently (see `SendResult` `partial`). */
export interface RejectedMessage {
  /** Index of the message in the batch given to `send()`. */
  readonly index: number;
  /**
   * Why, as a permanent error: `invalid-input` (cannot be framed or encoded), `too-large` (over
   * the server's or the transport's limit), `permission-denied` (refused by an ACL for this
   * message), ... Never a retryable code: a refusal that may pass later is a `retryable` result.
   */
  readonly error: EdgeplaneError;
}

/**
 * Result of a send: remote failures are values, not throws.
 * - `ok`: every message was durably taken.
 * - `partial`: every message **not** listed in `rejected` was durably taken; the listed ones were
 *   refused permanently, each for its own reason (a poison message fails alone). The loop
 *   acknowledges the rest in order and applies its failure policy to each rejected message.
 * - `retryable`: nothing can be assumed taken; the loop sends the whole batch again (duplicates
 *   of a partly written batch are within the at-least-once window).
 * - `failed`: a permanent failure of the batch as a whole (the loop stops). A transport that
 *   cannot tell which message was refused may return `failed` with `invalid-input` or
 *   `too-large`: the loop then sends that batch again one message at a time to find it.
 */
export type SendResult =
  | { readonly status: 'ok' }
  | { readonly status: 'partial'; readonly rejected: readonly RejectedMessage[] }
  | { readonly status: 'retryable'; readonly error: EdgeplaneError; readonly retryAfterMs?: number }
  | { readonly status: 'failed'; readonly error: EdgeplaneError };

/** Options of `receive()`. */
export interface ReceiveOptions {
  /** Resume after this position (from `InboundMessage.position`), where replay is supported. */
  readonly from?: string | undefined;
  /** Ends the iteration within 1 s of abort. */
  readonly signal: AbortSignal;
  /** Upper bound on messages per batch (a hint; the loop copes with larger batches). */
  readonly maxBatchMessages?: number | undefined;
}

/** Lag reading: messages behind (or another unit, named in `unit`). */
export interface LagReading {
  readonly lag: number | null;
  /** Absent means `messages`. */
  readonly unit?: string | undefined;
}

/** Context given to `open()`. */
export interface OpenContext {
  readonly signal?: AbortSignal | undefined;
  /**
   * A private, writable directory for this transport's state (checkpoints). The loop passes
   * `<lane path>/<role>`; library users may pass their own.
   */
  readonly stateDir?: string | undefined;
  /** Role the loop uses this transport in. */
  readonly role?: 'ingress' | 'egress' | undefined;
  /**
   * Called on every connection-state change, with the error that caused it, if any. A transport
   * reports `failed` with a permanent error (`unauthenticated`, `permission-denied`, `tls`-class
   * `invalid-config`) when a reconnect is refused for good; the loop stops on it.
   */
  readonly onStateChange?: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;
  /**
   * Called on consumer-group membership changes of a source (Kafka partitions assigned or
   * revoked, a rebalance, work claimed from a member that died). The loop logs it and shows the
   * count and the current assignment in the snapshot.
   */
  readonly onGroupEvent?: ((event: GroupEvent) => void) | undefined;
}

/** A consumer-group membership change of a source (see `OpenContext.onGroupEvent`). */
export interface GroupEvent {
  /**
   * `assigned`: this member now holds `partitions` (its whole current assignment).
   * `revoked`: it gave them up (a rebalance started). `claimed`: it took over work left by
   * another member (Redis pending entries, `detail` says whose and how many).
   */
  readonly type: 'assigned' | 'revoked' | 'claimed';
  /** The partitions, streams or subjects concerned, e.g. `orders/0`. */
  readonly partitions: readonly string[];
  /** One line for the log, e.g. `generation 4, member edgeplane-1a2b`. */
  readonly detail?: string | undefined;
}

/**
 * One transport: opens, sends, receives, acks and closes. It never retries, backs off or
 * batches; the loop does (docs/authoring-a-transport.md).
 */
export interface Transport {
  /** Short transport name, e.g. `file`, `kafka`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /**
   * Connects. Resolves when ready.
   * @throws EdgeplaneError `unavailable` when the server cannot be reached, `invalid-config`
   *   when the options are inconsistent with the server, `unauthenticated` on bad credentials.
   */
  open(context?: OpenContext): Promise<void>;
  /** Sends one batch, durably (flushed / acked by the server) before resolving `ok`. */
  send?(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  /** Yields batches until the signal aborts or the source ends (finite sources). */
  receive?(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Current lag of the source, if the transport can know it. */
  lag?(): Promise<LagReading>;
  /** Idempotent. Afterwards `send` returns `failed` with code `closed` and iterators end. */
  close(): Promise<void>;
  /**
   * Checks the endpoint for `edgeplane doctor`, on a transport that was created but not opened:
   * reachable (and how long it took), credentials accepted, the topic / stream / subject /
   * group / table / bucket / path exists or will be created, the permissions the role needs,
   * the server version within the tested range. It opens its own connection and closes it
   * before resolving; it never consumes, acknowledges or writes to a real destination (a probe
   * that must write uses a documented scratch name and removes it). Checks that depend on a
   * failed one are returned as `skip`. Resolves within `context.timeoutMs`; never throws for a
   * remote failure (that is a `fail` result); details and fixes never contain secrets.
   * Helpers: `checkResult`, `checkFailed`, `checkSkipped`.
   */
  check?(context: CheckContext): Promise<readonly TransportCheck[]>;
}

/** Context of `Transport.check()`. */
export interface CheckContext {
  /** The role the deployment config gives this transport. */
  readonly role: 'ingress' | 'egress';
  /**
   * Aborts when doctor gives up: Ctrl-C, or `timeoutMs` spent (then `signal.reason` is a
   * `TimeoutError` DOMException: report what is not done as "no answer within N ms").
   */
  readonly signal: AbortSignal;
  /** Budget for all of this transport's checks, in ms (doctor's `--timeout-ms`, default 5000). */
  readonly timeoutMs: number;
}

/**
 * One endpoint check of `edgeplane doctor`. `fail` makes doctor exit 3; `warn` works but needs
 * attention (a server version outside the tested range, a topic that will be auto-created);
 * `skip` was not run: a check it depends on failed, or running it could take data that is not
 * doctor's to take (the detail says which).
 */
export interface TransportCheck {
  /** Short kebab-case name: `reachable`, `credentials`, `topic`, `consumer-group`, `permissions`, `server-version`, ... */
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  /** What was found, one line: `127.0.0.1:6379 answered PING in 2.1 ms (Redis 7.0.15)`. */
  readonly detail: string;
  /** One line telling the operator what to do, for `warn` and `fail`. */
  readonly fix?: string | undefined;
  /** How long the probe took, in ms. */
  readonly durationMs?: number | undefined;
}

/** Describes one option of a transport, for help text and generated docs. */
export interface OptionDescription {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
  /** True for secrets: redacted wherever the config is printed. */
  readonly secret?: boolean | undefined;
}

/**
 * A transport descriptor: how the CLI and dynamic loading find, validate and create a transport.
 * `parseOptions` takes `unknown` so zod stays an implementation detail.
 */
export interface TransportDescriptor<Options = unknown> {
  readonly name: string;
  /** Static capabilities; `create()`'s transport must declare the same, given the options. */
  readonly summary: string;
  /**
   * Validates raw options (strings from the adapter config, or typed values from code).
   * @throws EdgeplaneError `invalid-config` naming the option and the fix.
   */
  parseOptions(input: unknown): Options;
  describeOptions(): readonly OptionDescription[];
  create(options: Options): Transport;
}
