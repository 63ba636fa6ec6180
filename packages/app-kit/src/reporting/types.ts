import type { LoopSnapshot, LoopState } from '@edgeplane/adapter-loop';

/** Tuning posture as requested, as applied, and why they differ (reference section 7, PERF). */
export interface TuningReport {
  /** Requested profile, e.g. `default`, `low-latency`, `isolated-core`. */
  readonly requested: string;
  /** Profile actually in force. */
  readonly applied: string;
  /** Why `applied` falls short of `requested`; empty when it does not. */
  readonly degradedReasons: readonly string[];
}

/** What the caller tells the reporter for each heartbeat; read fresh at every send. */
export interface HeartbeatInfo {
  /** Runtime version (`RUNTIME.version`). */
  readonly version: string;
  readonly state: LoopState;
  /** `sha256:` hash of the canonical spec, or null before one is loaded. */
  readonly specHash: string | null;
  readonly tuning: TuningReport;
  /** Overrides the uptime the reporter measures from `start()`, seconds. */
  readonly uptimeSecs?: number;
}

/** The heartbeat body, exactly as sent (JSON). Times: `sent_at` RFC 3339, uptime in seconds. */
export interface HeartbeatPayload {
  readonly product: 'edgeplane';
  readonly version: string;
  readonly state: LoopState;
  readonly spec_hash: string | null;
  readonly uptime_secs: number;
  readonly tuning: {
    readonly requested: string;
    readonly applied: string;
    readonly degraded_reasons: readonly string[];
  };
  readonly sent_at: string;
}

/** Options of `createReporter`. */
export interface ReporterOptions {
  /** Where `BYTEOR_*` is read from (usually `process.env`); empty strings count as unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The live snapshot document, sent as is. Must be cheap: it is called on every snapshot tick. */
  readonly snapshot: () => LoopSnapshot;
  readonly heartbeat: () => HeartbeatInfo;
  /** A WHATWG fetch; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** One line per notable event (no trailing newline); default: stderr. Never sees the API key. */
  readonly logger?: (line: string) => void;
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Time budget of one request, ms; default 5000. */
  readonly timeoutMs?: number;
}

/**
 * State of one kind of report. `pending`: not sent yet; `ok`: last send accepted;
 * `backing-off`: 429/5xx/time-out/network, retrying with backoff; `failing`: another 4xx, retried at
 * the next interval; `disabled`: 401/403, this kind is stopped; `stopped`: the reporter stopped;
 * `off`: reporting is not active.
 */
export interface ReportKindStatus {
  readonly state: 'off' | 'pending' | 'ok' | 'backing-off' | 'failing' | 'disabled' | 'stopped';
  readonly intervalSecs: number;
  /** Reports accepted (2xx). */
  readonly sent: number;
  /** Failed attempts, retries included. */
  readonly failed: number;
  /** HTTP status of the last attempt, or null (none yet, time-out, network error). */
  readonly lastStatus: number | null;
  /** Last failure, secrets scrubbed; null after a success. */
  readonly lastError: string | null;
  /** RFC 3339 time of the last accepted report. */
  readonly lastSuccessAt: string | null;
}

/** What `status()` tells; never contains the API key. */
export interface ReporterStatus {
  /**
   * `not-configured` (no variable set), `partially-configured` (see `missingVariables`),
   * `invalid-config` (bad `BYTEOR_API_BASE_URL`), `ready` (configured, not started), `running`,
   * `stopped`.
   */
  readonly state:
    | 'not-configured'
    | 'partially-configured'
    | 'invalid-config'
    | 'ready'
    | 'running'
    | 'stopped';
  readonly active: boolean;
  /** One line explaining `state`. */
  readonly reason: string;
  readonly missingVariables: readonly string[];
  readonly baseUrl: string | null;
  readonly agentId: string | null;
  readonly heartbeat: ReportKindStatus;
  readonly snapshot: ReportKindStatus;
}

/** A created reporter. `start()` and `status()` return at once; `stop()` never rejects. */
export interface Reporter {
  /** Sends a heartbeat and a snapshot now, then on their cadences. Idempotent; never throws. */
  start(): void;
  /**
   * Stops both cadences, aborts requests in flight and sends one final heartbeat and snapshot
   * (each bounded by the request time-out). Idempotent.
   */
  stop(): Promise<void>;
  status(): ReporterStatus;
}
