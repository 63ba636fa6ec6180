import type {
  AdapterFailureEvent,
  EgressBatchEvent,
  LoopSnapshot,
  LoopState,
} from '@edgeplane/adapter-loop';

export type { AdapterFailureEvent, EgressBatchEvent };

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Metrics of one loop, in a private prom-client Registry (never the global one). */
export interface OpsMetrics {
  /** Pass as `createLoop({ onEgressBatch })`. */
  readonly onEgressBatch: (event: EgressBatchEvent) => void;
  /** Pass as `createLoop({ onAdapterFailure })`. */
  readonly onAdapterFailure: (event: AdapterFailureEvent) => void;
  /** Updates the snapshot-fed metrics from `snapshot` and renders the Prometheus text format. */
  render(snapshot: LoopSnapshot | undefined): Promise<string>;
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

/** Options of `createOpsMetrics`. */
export interface OpsMetricsOptions {
  /** Also export prom-client's process and Node.js metrics (`process_*`, `nodejs_*`); default true. */
  readonly processMetrics?: boolean;
}

const STATES: readonly LoopState[] = ['idle', 'running', 'draining', 'stopped', 'failed'];
const ADAPTER = ['adapter', 'role', 'transport'] as const;

/**
 * Creates the loop metrics (names and units in docs/guide/6.operations.md). Message counters are fed
 * from snapshot deltas at each scrape; batch sizes, latency, retries and failures from the two hooks.
 */
export function createOpsMetrics(options: OpsMetricsOptions = {}): OpsMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const messages = new Counter({
    name: 'edgeplane_adapter_messages_total',
    help: 'Messages received (ingress) or durably sent (egress).',
    labelNames: ADAPTER,
    registers,
  });
  const dropped = new Counter({
    name: 'edgeplane_messages_dropped_total',
    help: 'Messages dropped by a stage (filtered).',
    registers,
  });
  const deadLettered = new Counter({
    name: 'edgeplane_messages_dead_lettered_total',
    help: 'Messages refused permanently (by a stage or the egress) that the dead-letter binding took.',
    registers,
  });
  const stageFiltered = new Counter({
    name: 'edgeplane_stage_filtered_total',
    help: 'Messages a stage dropped (filtered), by stage.',
    labelNames: ['stage', 'key'],
    registers,
  });
  const stageRejected = new Counter({
    name: 'edgeplane_stage_rejected_total',
    help: 'Messages a stage refused permanently, by stage.',
    labelNames: ['stage', 'key'],
    registers,
  });
  const acked = new Counter({
    name: 'edgeplane_messages_acked_total',
    help: 'Messages whose ingress position was acknowledged.',
    registers,
  });
  const failures = new Counter({
    name: 'edgeplane_adapter_failures_total',
    help: 'Adapter failures (every failed attempt, retried or not).',
    labelNames: ['adapter', 'role', 'code'],
    registers,
  });
  const recent = new Gauge({
    name: 'edgeplane_adapter_recent_failures',
    help: 'Adapter failures in the last 60 s.',
    labelNames: ADAPTER,
    registers,
  });
  const ready = new Gauge({
    name: 'edgeplane_adapter_ready',
    help: '1 when the adapter connection_state is ready, else 0.',
    labelNames: ADAPTER,
    registers,
  });
  const lag = new Gauge({
    name: 'edgeplane_adapter_lag',
    help: 'How far the adapter is behind its source, in `unit` (absent when unknown).',
    labelNames: [...ADAPTER, 'unit'],
    registers,
  });
  const occupancy = new Gauge({
    name: 'edgeplane_ring_occupancy_messages',
    help: 'Ring slots in use: producer cursor minus release boundary.',
    registers,
  });
  const capacity = new Gauge({
    name: 'edgeplane_ring_capacity_messages',
    help: 'Ring slots.',
    registers,
  });
  const state = new Gauge({
    name: 'edgeplane_loop_state',
    help: '1 for the current loop state, 0 for the others.',
    labelNames: ['state'],
    registers,
  });
  const retries = new Counter({
    name: 'edgeplane_egress_retries_total',
    help: 'Egress send attempts that were retries.',
    registers,
  });
  const batchMessages = new Histogram({
    name: 'edgeplane_egress_batch_messages',
    help: 'Messages per egress batch sent.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    registers,
  });
  const batchBytes = new Histogram({
    name: 'edgeplane_egress_batch_bytes',
    help: 'Body bytes per egress batch sent.',
    buckets: [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304],
    registers,
  });
  const latency = new Histogram({
    name: 'edgeplane_egress_latency_seconds',
    help: 'Egress batch send time, first attempt to final result, retries included.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  const last = new Map<string, number>();
  /** Adds the growth of a monotonic snapshot count; a smaller value means a new loop (reset). */
  const grow = (key: string, value: number, add: (n: number) => void): void => {
    const prev = last.get(key) ?? 0;
    const delta = value >= prev ? value - prev : value;
    if (delta > 0) add(delta);
    last.set(key, value);
  };

  const fromSnapshot = (s: LoopSnapshot): void => {
    lag.reset();
    for (const a of s.adapters) {
      const labels = { adapter: a.name, role: a.role, transport: a.transport };
      grow(`messages:${a.role}:${a.name}`, a.message_count, (n) => messages.inc(labels, n));
      recent.set(labels, a.recent_failures);
      ready.set(labels, a.connection_state === 'ready' ? 1 : 0);
      if (a.lag !== null) lag.set({ ...labels, unit: a.lag_unit ?? 'messages' }, a.lag);
    }
    grow('dropped', s.dropped_messages, (n) => dropped.inc(n));
    grow('dead_lettered', s.dead_lettered_messages ?? 0, (n) => deadLettered.inc(n));
    for (const st of s.stages ?? []) {
      const labels = { stage: st.id, key: st.key };
      grow(`filtered:${st.id}`, st.filtered, (n) => stageFiltered.inc(labels, n));
      grow(`rejected:${st.id}`, st.rejected, (n) => stageRejected.inc(labels, n));
    }
    grow('acked', s.acked_messages, (n) => acked.inc(n));
    occupancy.set(Math.max(0, s.ring.cursor - s.ring.released));
    capacity.set(s.ring.capacity);
    for (const name of STATES) state.set({ state: name }, name === s.state ? 1 : 0);
  };

  // The hooks run inside the loop: a bad value (NaN, negative) is ignored, never thrown into it.
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // prom-client refuses non-finite or negative values; drop the observation.
    }
  };
  return {
    onEgressBatch: (event) =>
      safe(() => {
        retries.inc(Math.max(0, event.attempts - 1));
        if (!event.ok) return;
        batchMessages.observe(event.messages);
        batchBytes.observe(event.bytes);
        latency.observe(event.latencyMs / 1000);
      }),
    onAdapterFailure: (event) =>
      safe(() => failures.inc({ adapter: event.adapter, role: event.role, code: event.code })),
    async render(snapshot) {
      if (snapshot) fromSnapshot(snapshot);
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
