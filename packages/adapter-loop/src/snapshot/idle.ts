import type { AdapterRole, LoopSnapshot } from './types.js';

/**
 * The snapshot of a loop that is not running (yet): both adapters `ready`, counts 0, state
 * `idle` (brief: "Before traffic arrives, idle snapshots still report both adapters as ready").
 */
export function idleSnapshot(input: {
  readonly specName: string;
  readonly specHash?: string | null | undefined;
  readonly capacity: number;
  readonly stageIds: readonly string[];
  /** Stage keys, in spec order (same length as `stageIds`). */
  readonly stageKeys?: readonly string[] | undefined;
  /** The dead-letter binding, when the config has one. */
  readonly deadLetter?: { readonly name: string; readonly transport: string } | undefined;
  readonly ingress: { readonly name: string; readonly transport: string };
  readonly egress: { readonly name: string; readonly transport: string };
  readonly now?: number | undefined;
}): LoopSnapshot {
  const entry = (a: { name: string; transport: string }, role: AdapterRole) => ({
    name: a.name,
    role,
    transport: a.transport,
    connection_state: 'ready' as const,
    message_count: 0,
    recent_failures: 0,
    last_error: null,
    last_error_at: null,
    cause: null,
    cause_at: null,
    stalled_since: null,
    lag: null,
  });
  return {
    v: 1,
    captured_at: new Date(input.now ?? Date.now()).toISOString(),
    pid: process.pid,
    spec_hash: input.specHash ?? null,
    spec_name: input.specName,
    mode: 'adapter_loop',
    state: 'idle',
    ingress_messages: 0,
    egress_messages: 0,
    acked_messages: 0,
    dropped_messages: 0,
    dead_lettered_messages: 0,
    adapters: [
      entry(input.ingress, 'ingress'),
      entry(input.egress, 'egress'),
      ...(input.deadLetter ? [entry(input.deadLetter, 'dead_letter')] : []),
    ],
    stages: input.stageIds.map((id, i) => ({
      id,
      key: input.stageKeys?.[i] ?? '',
      filtered: 0,
      rejected: 0,
    })),
    ring: {
      capacity: input.capacity,
      cursor: -1,
      released: -1,
      gating: input.stageIds.map((stage) => ({ stage, sequence: -1 })),
    },
    ended_at: null,
    stop_reason: null,
    error: null,
  };
}
