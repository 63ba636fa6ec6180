import { renderTop, renderTopWaiting } from './render.js';
import type { TopRenderOptions, TopSnapshot, TopStatus } from './types.js';

/** A lane reading as `readSnapshotFile` returns it (null: the lane holds no snapshot yet). */
export interface TopReading {
  readonly snapshot: TopSnapshot;
  readonly status: TopStatus;
}

/** What `edgeplane top` keeps between two reads of a lane. */
export interface TopView {
  /**
   * Takes the latest reading. Returns true when it differs from the one before (a new snapshot,
   * another status, the first snapshot after none): what a non-terminal output prints anew.
   */
  observe(reading: TopReading | null): boolean;
  /** The frame of the latest reading (the waiting frame before any). */
  frame(options: Omit<TopRenderOptions, 'status' | 'staleAfterMs'>): string[];
  /** True when the latest snapshot is a final one (the run ended: `stopped` / `failed`). */
  readonly ended: boolean;
  /** True when the latest reading is a snapshot whose writer runs (`live`, not ended). */
  readonly live: boolean;
}

/** The loop's default `loop.snapshotIntervalMs`, assumed until two snapshots show the real one. */
const DEFAULT_INTERVAL_MS = 1000;

/**
 * Follows one lane: keeps the current snapshot and the one before it (for rates), learns the
 * snapshot interval from successive `captured_at` (1 s until two are seen), and calls a live
 * snapshot stale once it is older than three intervals.
 */
export function createTopView(lanePath: string): TopView {
  let current: TopReading | null = null;
  let previous: TopSnapshot | undefined;
  let intervalMs = DEFAULT_INTERVAL_MS;
  return {
    observe(reading) {
      const before = current;
      current = reading;
      if (!reading || !before) return reading !== before;
      const was = before.snapshot;
      const now = reading.snapshot;
      if (now.captured_at !== was.captured_at) {
        previous = now.pid === was.pid ? was : undefined;
        const gap = Date.parse(now.captured_at) - Date.parse(was.captured_at);
        if (previous && gap > 0) intervalMs = gap;
        return true;
      }
      return reading.status !== before.status;
    },
    frame(options) {
      if (!current) return renderTopWaiting(lanePath, options);
      return renderTop(previous, current.snapshot, {
        ...options,
        status: current.status,
        staleAfterMs: 3 * intervalMs,
      });
    },
    get live() {
      return current?.status === 'live' && !this.ended;
    },
    get ended() {
      const state = current?.snapshot.state;
      return current?.status === 'final' || state === 'stopped' || state === 'failed';
    },
  };
}
