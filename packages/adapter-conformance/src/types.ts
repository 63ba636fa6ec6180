import type {
  InboundBatch,
  InboundMessage,
  OutboundMessage,
  Transport,
  TransportCapabilities,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';

/** What `server()` resolves to: a running (or located) real server, plus anything you need. */
export interface ServerHandle {
  /** Where the server listens, if it has an address. */
  readonly url?: string | undefined;
  /** Stops what `server()` started (a no-op for a server you only located). */
  stop(): Promise<void>;
}

/** The role a transport is created for. Sources are opened with `role: 'ingress'`, sinks with `'egress'`. */
export type ConformanceRole = 'source' | 'sink';

/** What `create()` and `unreachable()` receive. */
export interface CreateContext<S = unknown> {
  readonly server: S & ServerHandle;
  /** Unique per test, e.g. `ep-file-3f9a1c2e`: a stream, topic, bucket prefix, table or file name. */
  readonly ns: string;
  /**
   * A fresh writable directory per test and role, the same for every reopen within the test
   * (redelivery reopens with it). It is also passed as `OpenContext.stateDir`.
   */
  readonly stateDir: string;
  readonly role: ConformanceRole;
}

/** Options of `describeTransportConformance`. */
export interface ConformanceOptions<S = unknown> {
  /** Name used in the `describe()` title, e.g. `file` or `nats (jetstream)`. */
  readonly transport: string;
  /**
   * Starts or locates the REAL server. Throw with a fix-it message if it is unavailable:
   * a missing server fails the suite, it never skips it.
   */
  readonly server: () => Promise<S & ServerHandle>;
  /** Creates a transport for one role, in the test's namespace. The suite opens and closes it. */
  readonly create: (ctx: CreateContext<S>) => Transport;
  /** The transport's descriptor: `parseOptions`/`create` are checked with `createBadOptions()`. */
  readonly descriptor: TransportDescriptor;
  /** An options object the descriptor must reject with `invalid-config` (e.g. a missing required option). */
  readonly createBadOptions: () => unknown;
  /**
   * A transport pointed at nothing (a closed port, a missing directory). Its `open()` must reject,
   * or its first `send()` return non-ok, with code `unavailable` or `not-found`.
   */
  readonly unreachable: (ctx: CreateContext<S>) => Transport;
  /**
   * How a message gets from the sink to the source.
   * - `stored` (default): through a server that keeps it (a broker, a bucket, a table, a file);
   *   `seed()` returns once the sink's `send()` is `ok`.
   * - `synchronous`: the source *is* the sink's peer, and the source's acknowledgement is the
   *   sink's `ok` (HTTP, gRPC, WebSocket with acks: the response is the ack). Then `pair()` opens
   *   the source before the sink, and `seed()` returns at once and sends in the background, in
   *   order, each batch after the previous one was `ok`, sending a batch again after a
   *   `retryable` result (as the loop does) until the test ends; a `failed` or `partial` result
   *   fails the test at its next `drain()` or at its end. Such a source declares `maxInFlight`
   *   (its window), so `drain()` acknowledges as it goes by default.
   */
  readonly handoff?: 'stored' | 'synchronous' | undefined;
  /** What the transport promises; every claim is checked, and skips come only from these. */
  readonly declares: TransportCapabilities;
  /** Per-test timeout in ms (default 30 000). */
  readonly timeoutMs?: number | undefined;
  /** Server start timeout in ms (default 60 000). */
  readonly startTimeoutMs?: number | undefined;
  /**
   * Optional: cuts the transport's connections to the server (restart it, kill its
   * connections, or `cut()` a `startTcpProxy()` the transports connect through), then returns.
   * With it, the `reconnect` case checks that an open source and sink carry on through the
   * loss without a reopen; without it, that case is skipped and says so.
   */
  readonly interrupt?: ((ctx: CreateContext<S>) => Promise<void>) | undefined;
  /** Registers transport-specific tests inside the same `describe()`, with the same context. */
  readonly extra?: ((ctx: ConformanceContext<S>) => void) | undefined;
}

/** Options of `ConformanceContext.drain`. */
export interface DrainOptions {
  /** Stop once this many messages arrived. */
  readonly count: number;
  /** Resume after this position (replay). */
  readonly from?: string | undefined;
  /**
   * `true`: acknowledge every batch as it arrives; a number `k`: acknowledge exactly the first
   * `k` messages (the batch holding message `k - 1` with a partial `ack(n)`); `false`: none.
   * Default: as it goes when the transport declares a flow-control window
   * (`capabilities.maxInFlight`, which would otherwise stall the drain), else none.
   */
  readonly ack?: boolean | number | undefined;
  /** Give up (and fail, naming what arrived) after this many ms (default: the test timeout / 2). */
  readonly timeoutMs?: number | undefined;
}

/** What `drain` returns: the messages, in arrival order, and the batches they came in. */
export interface Drained {
  readonly messages: InboundMessage[];
  readonly batches: InboundBatch[];
}

/** Per-test helpers given to every case and to `extra`. */
export interface ConformanceContext<S = unknown> {
  readonly options: ConformanceOptions<S>;
  /** The running server (available inside tests). */
  server(): S & ServerHandle;
  /** The current test's namespace. */
  ns(): string;
  /** The current test's state directory for a role. */
  stateDir(role: ConformanceRole): string;
  /** The create context for a role in the current test. */
  createContext(role: ConformanceRole): CreateContext<S>;
  /** Creates (via `options.create`) and opens a transport; closed automatically after the test. */
  open(role: ConformanceRole): Promise<Transport>;
  /** Registers a transport to close after the test (for ones you create yourself). */
  track(transport: Transport): Transport;
  /**
   * Opens the test's sink (once per test, cached), then a new source: the sink first, because
   * a sink may be what creates the namespace, and the source before any send, because a source
   * may subscribe in `open()`.
   */
  pair(): Promise<{ sink: Transport; source: Transport }>;
  /** Sends `messages` through the test's sink in batches of `batchSize`; fails unless each is `ok`. */
  seed(messages: readonly OutboundMessage[], batchSize?: number): Promise<void>;
  /** Receives until `count` messages arrived, then ends the iteration. Fails on timeout. */
  drain(source: Transport, options: DrainOptions): Promise<Drained>;
}
