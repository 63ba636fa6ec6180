import type { AdapterSnapshot } from '@edgeplane/adapter-loop';
import type { TopSnapshot } from './types.js';

/** Messages per second between two snapshots of one run, by counter. */
export interface TopRates {
  /** The window the rates are measured over, seconds. */
  readonly seconds: number;
  readonly ingress: number;
  readonly egress: number;
  readonly acked: number;
  readonly dropped: number;
  readonly deadLettered: number | undefined;
  /** Per adapter, keyed by `adapterKey()`. */
  readonly adapters: ReadonlyMap<string, number>;
}

/** The key of an adapter across snapshots: its role and name. */
export const adapterKey = (a: Pick<AdapterSnapshot, 'role' | 'name'>): string =>
  `${a.role}:${a.name}`;

/**
 * Rates (messages/s) from two snapshots, over the time between their `captured_at`; undefined
 * when there is no earlier snapshot of the same run (another pid, not earlier, counters reset).
 */
export function topRates(
  previous: TopSnapshot | undefined,
  current: TopSnapshot,
): TopRates | undefined {
  if (!previous || previous.pid !== current.pid) return undefined;
  const seconds = (Date.parse(current.captured_at) - Date.parse(previous.captured_at)) / 1000;
  if (!(seconds > 0) || current.ingress_messages < previous.ingress_messages) return undefined;
  const rate = (now: number, before: number): number => Math.max(0, now - before) / seconds;
  const before = new Map(previous.adapters.map((a) => [adapterKey(a), a.message_count]));
  const adapters = new Map<string, number>();
  for (const a of current.adapters) {
    const was = before.get(adapterKey(a));
    if (was !== undefined) adapters.set(adapterKey(a), rate(a.message_count, was));
  }
  const dl = current.dead_lettered_messages;
  return {
    seconds,
    ingress: rate(current.ingress_messages, previous.ingress_messages),
    egress: rate(current.egress_messages, previous.egress_messages),
    acked: rate(current.acked_messages, previous.acked_messages),
    dropped: rate(current.dropped_messages, previous.dropped_messages),
    deadLettered: dl === undefined ? undefined : rate(dl, previous.dead_lettered_messages ?? 0),
    adapters,
  };
}

/** Ring occupancy: slots published and not yet released (`cursor - released`), of `capacity`. */
export function ringOccupancy(s: TopSnapshot): { used: number; capacity: number; ratio: number } {
  const used = Math.max(0, s.ring.cursor - s.ring.released);
  const capacity = s.ring.capacity;
  return { used, capacity, ratio: capacity > 0 ? Math.min(1, used / capacity) : 0 };
}

/**
 * Messages every stage has processed that the egress has not taken yet (the release boundary
 * `released` behind the slowest stage), in messages: the egress is the bottleneck when it grows.
 */
export function awaitingEgress(s: TopSnapshot): number {
  const done = Math.min(s.ring.cursor, ...s.ring.gating.map((g) => g.sequence));
  return Math.max(0, done - s.ring.released);
}

/** How far each stage's gating sequence is behind the ring cursor, in messages. */
export function stagesBehind(s: TopSnapshot): { stage: string; behind: number }[] {
  return s.ring.gating.map((g) => ({
    stage: g.stage,
    behind: Math.max(0, s.ring.cursor - g.sequence),
  }));
}

/** The stage furthest behind the cursor (the first of equals), or undefined without stages. */
export function slowestStage(s: TopSnapshot): { stage: string; behind: number } | undefined {
  let slowest: { stage: string; behind: number } | undefined;
  for (const g of stagesBehind(s)) if (!slowest || g.behind > slowest.behind) slowest = g;
  return slowest;
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A count with thousands separators: `1,234,567`. */
export const count = (n: number): string => GROUPED.format(n);

/** A rate, messages/s: one decimal under 10 (`0.5`), else grouped (`12,345`); `-` when unknown. */
export const perSecond = (n: number | undefined): string =>
  n === undefined ? '-' : n < 10 ? ONE_DECIMAL.format(n) : GROUPED.format(n);

/** An adapter's lag: `-` when unknown, bytes as KiB/MiB/GiB, messages grouped. */
export function lagText(a: Pick<AdapterSnapshot, 'lag' | 'lag_unit'>): string {
  if (a.lag === null) return '-';
  if (a.lag_unit !== 'bytes') return `${count(a.lag)}${a.lag_unit ? ` ${a.lag_unit}` : ''}`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = a.lag;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : ONE_DECIMAL.format(value)} ${units[unit]}`;
}

/** A duration for people: `0.4 s`, `12 s`, `3 min 5 s`, `2 h 4 min`. */
export function ago(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${ONE_DECIMAL.format(s)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The time of day of an RFC 3339 instant, UTC: `16:59:09Z` (the input itself if unparsable). */
export function clock(at: string | null): string {
  if (at === null) return '?';
  const t = Date.parse(at);
  return Number.isNaN(t) ? at : `${new Date(t).toISOString().slice(11, 19)}Z`;
}
