import type { ConnectionState } from '../transport/types.js';

/** Loop state (reference decision 3). */
export type LoopState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

/** One adapter's health entry in a snapshot (reference decision 3). */
export interface AdapterSnapshot {
  readonly name: string;
  readonly role: 'ingress' | 'egress';
  readonly transport: string;
  readonly connection_state: ConnectionState;
  /** Messages received (ingress) or durably sent (egress). */
  readonly message_count: number;
  /** Failures in the last 60 s. */
  readonly recent_failures: number;
  /** Last error message, secrets redacted, or null. */
  readonly last_error: string | null;
  /** Messages behind, or null when the transport cannot know. */
  readonly lag: number | null;
  /** Present when lag is measured in another unit than messages (e.g. `bytes`). */
  readonly lag_unit?: string;
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
  readonly adapters: readonly [AdapterSnapshot, AdapterSnapshot];
  readonly ring: RingSnapshot;
}
