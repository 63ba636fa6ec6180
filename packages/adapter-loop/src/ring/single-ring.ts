import { EdgeplaneError } from '@edgeplane/errors';
import type { StageMessage } from '../stages.js';
import { Notifier } from './notifier.js';
import type { Slot } from './slot.js';

/** The ring's state for snapshots: producer cursor and one gating sequence per stage. */
export interface RingState {
  /** Slots, a power of two. */
  readonly capacity: number;
  /** Last published sequence (-1 before the first message). */
  readonly cursor: number;
  /** One gating sequence per stage: the last sequence it has processed. */
  readonly gating: readonly { readonly stage: string; readonly sequence: number }[];
  /** Last sequence handed to the egress (the release boundary after the final stage). */
  readonly released: number;
}

/**
 * A bounded sequenced ring (Disruptor / ByteOr SingleRing): a single producer publishes at a
 * monotonic cursor; each stage has one gating sequence and may only process sequences its
 * dependencies (or, without dependencies, the producer) have passed; the release boundary
 * follows every stage; the producer never gets more than `capacity` ahead of the release
 * boundary (backpressure). Source: reference 2.1 (V1SEM, IB-PAT).
 */
export class SingleRing {
  readonly capacity: number;
  /** @internal Wakes the ring tasks; not part of the public API. */
  readonly notifier: Notifier = new Notifier();
  private readonly mask: number;
  private readonly slots: Slot[];
  cursor = -1;
  released = -1;
  readonly gating: number[];
  readonly stageIds: readonly string[];
  readonly deps: readonly (readonly number[])[];

  constructor(capacity: number, stages: readonly { id: string; dependsOn: readonly number[] }[]) {
    if (!Number.isInteger(capacity) || capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new EdgeplaneError(
        'invalid-config',
        'adapter-loop',
        `spec.capacity: expected a power of two ≥ 2, got ${capacity}`,
        { hint: 'use 1024 (the default) or another power of two such as 4096' },
      );
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.slots = new Array<Slot>(capacity).fill(null);
    this.gating = stages.map(() => -1);
    this.stageIds = stages.map((s) => s.id);
    this.deps = stages.map((s) => s.dependsOn);
  }

  /** Free slots the producer may publish into now. */
  free(): number {
    return this.capacity - (this.cursor - this.released);
  }

  /** Publishes `messages[from, to)` (caller checked `free()`). */
  publish(messages: readonly StageMessage[], from: number, to: number): void {
    let seq = this.cursor;
    for (let i = from; i < to; i++) {
      seq++;
      this.slots[seq & this.mask] = messages[i] as StageMessage;
    }
    this.cursor = seq;
    this.notifier.fire();
  }

  /** The highest sequence stage `index` may process: min of its dependencies, else the cursor. */
  barrier(index: number): number {
    const deps = this.deps[index] ?? [];
    if (deps.length === 0) return this.cursor;
    let min = Number.MAX_SAFE_INTEGER;
    for (const d of deps) min = Math.min(min, this.gating[d] ?? -1);
    return min;
  }

  /** The release boundary: every stage has passed it. */
  releasable(): number {
    let min = this.cursor;
    for (const g of this.gating) min = Math.min(min, g);
    return min;
  }

  /** Reads sequences `[from, to]` (inclusive) into a new array. */
  read(from: number, to: number): Slot[] {
    const out = new Array<Slot>(to - from + 1);
    for (let s = from, i = 0; s <= to; s++, i++) out[i] = this.slots[s & this.mask] ?? null;
    return out;
  }

  /** Writes stage outputs back for sequences starting at `from` (null = dropped, `RejectedSlot` = refused). */
  write(from: number, values: readonly Slot[]): void {
    for (let i = 0; i < values.length; i++) this.slots[(from + i) & this.mask] = values[i] ?? null;
  }

  /** Takes sequences `[from, to]` out of the ring (release), clearing the slots. */
  take(from: number, to: number): Slot[] {
    const out = new Array<Slot>(to - from + 1);
    for (let s = from, i = 0; s <= to; s++, i++) {
      const k = s & this.mask;
      out[i] = this.slots[k] ?? null;
      this.slots[k] = null;
    }
    this.released = to;
    this.notifier.fire();
    return out;
  }

  state(): RingState {
    return {
      capacity: this.capacity,
      cursor: this.cursor,
      gating: this.stageIds.map((stage, i) => ({ stage, sequence: this.gating[i] ?? -1 })),
      released: this.released,
    };
  }
}
