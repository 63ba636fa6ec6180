/**
 * The data model of a parsed `spec.kv` (reference decision 1) and its v1 limits (v1 semantics).
 *
 * @module
 */

/** One SingleRing stage: its id, its stage key (reference decision 2) and its dependencies. */
export interface SpecStage {
  /** Unique within the spec; `[A-Za-z0-9_-]{1,64}` (it names `stages.<id>.*` in the adapter config). */
  readonly id: string;
  /** The stage key: `identity`, `http_post:<url>`, `exec:<program>|<arg>|...` or a registered key. */
  readonly stage: string;
  /** Indices of earlier stages, strictly increasing; empty = reads from the ring head (ingress). */
  readonly dependsOn: readonly number[];
}

/** A v1 SingleRing spec in canonical form (defaults filled in). */
export interface SingleRingSpec {
  readonly v: 1;
  readonly name: string;
  readonly model: 'single_ring';
  readonly shards: number;
  readonly producer: 'single';
  readonly scheduling: 'dedicated';
  readonly ordering: 'strict' | 'per_key';
  /** Only when `shards > 1`. */
  readonly shardKey?: string | undefined;
  /** Ring slots: a power of two in [2, 1048576]; default 1024. */
  readonly capacity: number;
  /** 1 to 4 stages (`SEQUENCED_SLOTS_V1_GATING`), in topological order. */
  readonly stages: readonly SpecStage[];
  /** Unknown keys, kept verbatim for forward compatibility and re-encoded sorted. */
  readonly extra: Readonly<Record<string, string>>;
}

/** A LaneGraph spec: recognised and kept verbatim; edgeplane does not run LaneGraph yet. */
export interface LaneGraphSpec {
  readonly v: 1;
  readonly name: string;
  readonly model: 'lane_graph';
  /** Every key other than `v`, `name` and `model`, verbatim. */
  readonly keys: Readonly<Record<string, string>>;
}

/** A parsed spec: exactly one of the two v1 execution models. */
export type Spec = SingleRingSpec | LaneGraphSpec;

/** A non-fatal finding (today: an unknown key that was kept but is not used). */
export interface SpecWarning {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly message: string;
}

/** What `parseSpec` returns. */
export interface ParsedSpec {
  readonly spec: Spec;
  readonly warnings: readonly SpecWarning[];
  /** `sha256:` + hex of the canonical bytes. */
  readonly hash: `sha256:${string}`;
  /** The canonical encoding (`encodeSpec(spec)`). */
  readonly canonical: string;
}

/** Options of `parseSpec`. */
export interface ParseSpecOptions {
  /** Name used in error positions; default `spec.kv`. */
  readonly file?: string | undefined;
  /**
   * Custom stage keys the caller can resolve, besides the built-ins. An entry ending in `:`
   * (e.g. `dataguard:`) accepts every key with that prefix, like `StageResolver.keys()`.
   */
  readonly knownStages?: readonly string[] | undefined;
}

/** At most this many stages per ring in v1 (v1 semantics, `SEQUENCED_SLOTS_V1_GATING`). */
export const SEQUENCED_SLOTS_V1_GATING = 4;
/** Ring slots when `single_ring.capacity` is absent. */
export const DEFAULT_CAPACITY = 1024;
/** Smallest accepted `single_ring.capacity`. */
export const MIN_CAPACITY = 2;
/** Largest accepted `single_ring.capacity` (2^20). */
export const MAX_CAPACITY = 1_048_576;
