import type { AdapterSnapshot, LoopSnapshot } from '@edgeplane/adapter-loop';

/** Per-stage counts of a snapshot (messages), when the loop records them. */
export interface TopStageCounts {
  readonly id: string;
  /** The stage key, e.g. `identity`, `http_post:http://127.0.0.1/x`. */
  readonly key?: string;
  /** Messages the stage dropped (returned `null`). */
  readonly filtered: number;
  /** Messages the stage refused (`rejectMessage`). */
  readonly rejected: number;
}

/**
 * The snapshot `renderTop` draws: a `LoopSnapshot`, read tolerantly. `adapters` may hold a third,
 * `dead_letter` entry; `dead_lettered_messages` and `stages` are shown when present.
 */
export type TopSnapshot = Omit<LoopSnapshot, 'adapters' | 'dead_lettered_messages' | 'stages'> & {
  readonly adapters: readonly AdapterSnapshot[];
  /** Messages sent to the dead-letter binding. */
  readonly dead_lettered_messages?: number;
  readonly stages?: readonly TopStageCounts[];
};

/**
 * What the lane reading says about the document (see `readSnapshotFile`): `live` (its writer
 * runs), `stale` (its pid is dead, yet it says running) or `final` (the run ended).
 */
export type TopStatus = 'live' | 'stale' | 'final';

/** How `renderTop` lays a frame out. */
export interface TopRenderOptions {
  /** Terminal width, columns; every line fits it (at least 40 is used). */
  readonly width: number;
  /** Lines available; when the frame is longer its tail is cut with a `… N more lines` line. */
  readonly height?: number | undefined;
  /** ANSI colours (only for a terminal that wants them). */
  readonly color: boolean;
  /** Now, ms since the epoch, for the snapshot's age (default: its `captured_at`, age 0). */
  readonly now?: number | undefined;
  /** The lane reading's status (default `live`). */
  readonly status?: TopStatus | undefined;
  /** Age past which a live snapshot is called stale, ms (default 3000: three 1 s intervals). */
  readonly staleAfterMs?: number | undefined;
  /** A last line, e.g. the keys (`q quit`). */
  readonly footer?: string | undefined;
}
