import type { EdgeplaneError } from '@edgeplane/errors';
import type { RingSpecInput } from '@edgeplane/spec-kv';
import type { AdapterRole, LoopSnapshot, LoopState } from '../snapshot/types.js';
import type { StageResolver } from '../stages.js';
import type { Transport } from '../transport/types.js';
import type { FailurePolicy } from './dead-letter.js';
import type { BatchOptions } from './egress.js';
import type { RetryOptions } from './retry.js';

/**
 * The part of a SingleRing spec the loop needs. `@edgeplane/spec-kv`'s `SingleRingSpec`
 * satisfies it; library users may build one by hand. `createLoop` checks it by the same v1 rules
 * as `parseSpec` (see `verifyRingSpec`), plus what the loop honours: one shard.
 */
export type LoopSpec = RingSpecInput;

/** One side of the loop: a transport and the name it has in snapshots. */
export interface AdapterBinding {
  readonly transport: Transport;
  /** Adapter name in snapshots (default `<transport>-ingress` / `-egress` / `-dead-letter`). */
  readonly name?: string | undefined;
}

/** Options of `createLoop`. Units: ms, bytes, messages. */
export interface LoopOptions {
  readonly spec: LoopSpec;
  /** `sha256:` hash of the canonical spec, shown in snapshots. */
  readonly specHash?: string | undefined;
  readonly ingress: AdapterBinding;
  readonly egress: AdapterBinding;
  /**
   * What happens to a message a stage or the egress refuses permanently (`invalid-input`,
   * `too-large`, a 4xx): `stop_pipeline` (default) acknowledges what precedes it and stops;
   * `dead_letter` sends it to `deadLetter` (see `deadLetterMessage` for what is written) and goes
   * on. Retryable failures never go to the dead letter.
   */
  readonly failurePolicy?: FailurePolicy | undefined;
  /**
   * The dead-letter binding: any transport with `send()`, opened with role `egress` and state
   * directory `<lanePath>/dead_letter`. Required with `failurePolicy: 'dead_letter'`, refused
   * without it. A refused message's ingress position is acknowledged only once this transport
   * durably took it; if it refuses the message too, or its retries run out, the loop stops.
   */
  readonly deadLetter?: AdapterBinding | undefined;
  /** Resolves the spec's stage keys (default: `identity` only). */
  readonly stages?: StageResolver | undefined;
  /** Per-stage settings by stage id (`stages.<id>.*` in the adapter config). */
  readonly stageSettings?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  readonly batch?: BatchOptions | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Bounded drain: move exactly this many messages, acknowledge them, and stop. */
  readonly maxMessages?: number | undefined;
  /** Directory for the live snapshot and transport state (checkpoints); none when absent. */
  readonly lanePath?: string | undefined;
  /** How often the live snapshot is written, ms (default 1000). */
  readonly snapshotIntervalMs?: number | undefined;
  /** Hard limit on a graceful drain after `stop()`, ms (default 30000). */
  readonly shutdownTimeoutMs?: number | undefined;
  /** Aborting it is the same as calling `stop()`. */
  readonly signal?: AbortSignal | undefined;
  /** Secret values to redact from `last_error` texts. */
  readonly secrets?: readonly string[] | undefined;
  /** Called once per egress batch with messages, after its final result (metrics hook; must not throw). */
  readonly onEgressBatch?: ((event: EgressBatchEvent) => void) | undefined;
  /** Called on every adapter failure that counts in `recent_failures` (metrics hook; must not throw). */
  readonly onAdapterFailure?: ((event: AdapterFailureEvent) => void) | undefined;
  /**
   * Called on what an operator wants in the log: connection-state changes (with their error),
   * consumer-group changes, stalls and their end, recoveries, a message refused permanently.
   * Texts are redacted with `secrets`. Must not throw.
   */
  readonly onAdapterEvent?: ((event: AdapterEvent) => void) | undefined;
  /**
   * An adapter with an open, a send or an ack outstanding longer than this without an answer is
   * `stalled` (ms, default 30000; adapter config `loop.stallAfterMs`).
   */
  readonly stallAfterMs?: number | undefined;
}

/** A log-worthy adapter event (see `LoopOptions.onAdapterEvent`). */
export interface AdapterEvent {
  /** Adapter name as in the snapshot. */
  readonly adapter: string;
  readonly role: AdapterRole;
  /**
   * `state`: connection state changed (`state` says to what); `group`: consumer-group change;
   * `stall` / `recovered`: work outstanding too long / the adapter works again; `rejected`: the
   * egress refused a message permanently; `dead_lettered`: refused messages went to the dead letter.
   */
  readonly kind: 'state' | 'group' | 'stall' | 'recovered' | 'rejected' | 'dead_lettered';
  /** The new connection state, for `state` and `stall` events. */
  readonly state?: string | undefined;
  /** One line, secrets redacted. */
  readonly message: string;
}

/** One egress batch's outcome, for metrics. */
export interface EgressBatchEvent {
  /** Messages in the batch. */
  readonly messages: number;
  /** Sum of body bytes. */
  readonly bytes: number;
  /** From the first send attempt to the final result, retries and backoff included, ms. */
  readonly latencyMs: number;
  /** `send()` calls for this batch, >= 1; retries = attempts - 1. */
  readonly attempts: number;
  /** False when the batch finally failed (the loop then stops). */
  readonly ok: boolean;
}

/** An adapter failure, for metrics. */
export interface AdapterFailureEvent {
  /** Adapter name as in the snapshot. */
  readonly adapter: string;
  readonly role: AdapterRole;
  /** The EdgeplaneError code (`unavailable`, `timeout`, ...). */
  readonly code: string;
}

/** Why a run ended. */
export type StopReason =
  | 'end-of-input'
  | 'max-messages'
  | 'stopped'
  | 'failed'
  | 'shutdown-timeout';

/** What `run()` resolves to. Counts in messages, duration in ms. */
export interface LoopResult {
  readonly state: Extract<LoopState, 'stopped' | 'failed'>;
  readonly reason: StopReason;
  readonly ingressMessages: number;
  readonly egressMessages: number;
  readonly ackedMessages: number;
  readonly droppedMessages: number;
  /** Messages refused permanently that went to the dead letter (and were acknowledged). */
  readonly deadLetteredMessages: number;
  readonly durationMs: number;
  /** When the failure happened: opening the transports, or while running / draining. */
  readonly failedDuring?: 'open' | 'run' | undefined;
  /**
   * When `stop()` ended the run (`reason: 'stopped'`): `open` if the transports were still
   * opening (nothing was moved; the run ends `stopped`, not `failed`), else `run`.
   */
  readonly stoppedDuring?: 'open' | 'run' | undefined;
  /** The failure that stopped the loop (`state: 'failed'`). */
  readonly error?: EdgeplaneError | undefined;
  readonly snapshot: LoopSnapshot;
}

/** A created loop: `run()` once; `snapshot()` any time; `stop()` drains and ends it. */
export interface Loop {
  run(): Promise<LoopResult>;
  snapshot(): LoopSnapshot;
  /** Stop taking input, drain what is in flight, acknowledge, close. */
  stop(): void;
}
