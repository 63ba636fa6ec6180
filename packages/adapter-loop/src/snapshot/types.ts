import type { ConnectionState } from '../transport/types.js';

/** Loop state (reference decision 3). */
export type LoopState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

/**
 * What an adapter is to the loop: the ingress, the egress, or the dead-letter binding (where
 * messages refused permanently go under `loop.failurePolicy=dead_letter`).
 */
export type AdapterRole = 'ingress' | 'egress' | 'dead_letter';

/** One adapter's health entry in a snapshot (reference decision 3). */
export interface AdapterSnapshot {
  readonly name: string;
  readonly role: AdapterRole;
  readonly transport: string;
  readonly connection_state: ConnectionState;
  /** Messages received (ingress) or durably sent (egress). */
  readonly message_count: number;
  /** Failures in the last 60 s. */
  readonly recent_failures: number;
  /** Last error message, secrets redacted, or null (cleared when the adapter has recovered). */
  readonly last_error: string | null;
  /** When `last_error` happened (RFC 3339), or null. */
  readonly last_error_at: string | null;
  /**
   * The first error of the current incident: its cause, kept while follow-up errors
   * (reconnecting, connection down) replace `last_error`; null when no incident is open.
   * Cleared, with `last_error`, once the adapter has recovered (a send, ack or reconnect worked).
   */
  readonly cause: string | null;
  /** When `cause` happened (RFC 3339), or null. */
  readonly cause_at: string | null;
  /** Since when work has been outstanding without an answer (RFC 3339), while `stalled`; else null. */
  readonly stalled_since: string | null;
  /** Consumer-group membership of a source that has one (Kafka); absent otherwise. */
  readonly group?: GroupSnapshot;
  /** Messages behind, or null when the transport cannot know. */
  readonly lag: number | null;
  /** Present when lag is measured in another unit than messages (e.g. `bytes`). */
  readonly lag_unit?: string;
}

/** Consumer-group membership of an ingress adapter. */
export interface GroupSnapshot {
  /** Assignments received since the start (each rebalance counts one). */
  readonly rebalances: number;
  /** Partitions / streams this member holds now, e.g. `orders/0`. */
  readonly assignment: readonly string[];
  /** Work taken over from members that died (claims), in events. */
  readonly claims: number;
}

/** One stage's counts in a snapshot, in messages. */
export interface StageSnapshot {
  /** The stage id from the spec. */
  readonly id: string;
  /** Its stage key, e.g. `identity`, `parse:json`. */
  readonly key: string;
  /** Messages it dropped (`null`: filtered, e.g. by `filter` or `dedupe`), counted as done. */
  readonly filtered: number;
  /** Messages it refused (`rejectMessage`): stopped the loop, or went to the dead letter. */
  readonly rejected: number;
}

/** The ring section of a snapshot. */
export interface RingSnapshot {
  readonly capacity: number;
  readonly cursor: number;
  readonly released: number;
  readonly gating: readonly { readonly stage: string; readonly sequence: number }[];
}

/**
 * The snapshot document shared by `edgeplane snapshot`, the lane path, agent reporting and
 * incident bundles (reference decision 3; brief "Snapshot and heartbeat expectations").
 * Counts are in messages; `captured_at` is RFC 3339.
 */
export interface LoopSnapshot {
  readonly v: 1;
  readonly captured_at: string;
  readonly pid: number;
  readonly spec_hash: string | null;
  readonly spec_name: string;
  readonly mode: 'adapter_loop';
  readonly state: LoopState;
  readonly ingress_messages: number;
  readonly egress_messages: number;
  /** Messages whose ingress position has been acknowledged. */
  readonly acked_messages: number;
  /** Messages dropped by a stage (filtered), counted as done. */
  readonly dropped_messages: number;
  /**
   * Messages refused permanently (by a stage or the egress) that the dead-letter binding durably
   * took, under `loop.failurePolicy=dead_letter`; counted as done (acknowledged). 0 otherwise.
   */
  readonly dead_lettered_messages: number;
  /** Ingress, egress, and the dead-letter binding when one is configured (role `dead_letter`). */
  readonly adapters: readonly [AdapterSnapshot, AdapterSnapshot, ...AdapterSnapshot[]];
  /** Per stage, in spec order: messages it dropped (filtered) and refused. */
  readonly stages: readonly StageSnapshot[];
  readonly ring: RingSnapshot;
  /** When the run ended (RFC 3339), in a final snapshot (`stopped` / `failed`); else null. */
  readonly ended_at: string | null;
  /** Why the run ended, in a final snapshot (`end-of-input`, `failed`, ...); else null. */
  readonly stop_reason: string | null;
  /** The error that stopped the loop (secrets redacted), in a `failed` final snapshot; else null. */
  readonly error: string | null;
}
