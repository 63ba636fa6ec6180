import { type EgressBatch, seqOf } from '../loop/egress.js';
import type { StageMessage } from '../stages.js';
import type { InboundMessage, RejectedMessage } from '../transport/types.js';
import { type CaptureEntry, linesOf } from './entry.js';
import type { CapturedEgress, CapturedIngress, CaptureMeta } from './records.js';
import { writeCaptureFiles } from './write.js';

/** Bounds of a capture: the last `messages` ingress messages, at most `maxBytes` bytes kept. */
export interface CaptureLimits {
  /** Ingress messages kept (the newest), ≥ 1. */
  readonly messages: number;
  /** Bytes kept: bodies, keys and headers of the ingress messages and of their egress outcome. */
  readonly maxBytes: number;
}

const sizeOf = (m: StageMessage, body: Uint8Array): number => {
  let n = body.byteLength + (m.key?.length ?? 0);
  if (m.headers) for (const [k, v] of Object.entries(m.headers)) n += k.length + v.length;
  return n;
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/**
 * The opt-in capture of a loop (`loop.captureMessages`): a bounded ring of the last N ingress
 * messages by ring sequence, each paired with what the egress durably took for it (after the
 * stages), or `dropped` / `rejected`. Bounded by `limits.messages` and `limits.maxBytes` (the
 * oldest go first). `write()` puts it in the lane path; secrets are redacted then, not here.
 */
export class Capture {
  private readonly slots: (CaptureEntry | undefined)[];
  /** Oldest sequence kept; `next` is one past the newest. */
  private first = 0;
  private next = 0;
  private bytes = 0;
  private evicted = 0;
  private settledThrough = -1;
  /** Something changed since `records()` was last called. */
  private dirty = true;
  private writing: Promise<void> = Promise.resolve();

  /**
   * @param secrets values redacted from what is written (header names by `isSecretKey`).
   * @param spec the spec's name and hash, recorded in `capture.json`.
   */
  constructor(
    readonly limits: CaptureLimits,
    private readonly secrets: readonly string[] = [],
    private readonly spec: { readonly name: string; readonly hash: string | null } = {
      name: '',
      hash: null,
    },
  ) {
    this.slots = new Array<CaptureEntry | undefined>(limits.messages);
  }

  /**
   * Writes the capture into `<lanePath>/capture/` if it changed since the last write. Writes are
   * serialised (a call waits for the one in progress); never rejects: a failed write is tried
   * again next time.
   */
  write(lanePath: string): Promise<void> {
    if (!this.dirty) return this.writing;
    const text = this.text();
    this.writing = this.writing
      .then(() => writeCaptureFiles(lanePath, text))
      .catch(() => {
        this.dirty = true;
      });
    return this.writing;
  }

  /** Records `messages[from, to)`, just published at ring sequences ending at `lastSeq`. */
  ingress(messages: readonly InboundMessage[], from: number, to: number, lastSeq: number): void {
    let seq = lastSeq - (to - from) + 1;
    if (seq !== this.next) this.restartAt(seq);
    for (let i = from; i < to; i++, seq++) {
      const m = messages[i] as InboundMessage;
      if (this.next - this.first >= this.limits.messages) this.evictOldest();
      const body = Buffer.from(m.body);
      const entry: CaptureEntry = {
        seq,
        id: m.id,
        origin: m.origin,
        position: m.position,
        key: m.key,
        headers: m.headers,
        body,
        bytes: sizeOf(m, body),
        out: undefined,
        inLine: undefined,
        outLine: undefined,
      };
      this.slots[seq % this.limits.messages] = entry;
      this.next = seq + 1;
      this.bytes += entry.bytes;
      this.trim();
    }
    this.dirty = true;
  }

  /**
   * Records what the egress durably took from `batch`: `messages` (the batch's, or a prefix of
   * them), but for those `rejected` (a `partial` result), which are recorded as refused.
   */
  egress(
    batch: EgressBatch,
    messages: readonly StageMessage[],
    rejected?: readonly RejectedMessage[],
  ): void {
    const refused = rejected && new Map(rejected.map((r) => [r.index, r.error.message]));
    for (let i = 0; i < messages.length; i++) {
      const entry = this.get(seqOf(batch, i));
      if (!entry || entry.out) continue;
      const error = refused?.get(i);
      const m = messages[i] as StageMessage;
      const same = sameBytes(m.body, entry.body);
      const body = same ? entry.body : Buffer.from(m.body);
      entry.out =
        error === undefined
          ? { status: 'sent', key: m.key, headers: m.headers, body }
          : { status: 'rejected', error, by: 'egress', key: m.key, headers: m.headers, body };
      const added = same ? sizeOf(m, body) - body.byteLength : sizeOf(m, body);
      entry.bytes += added;
      this.bytes += added;
    }
    this.trim();
    this.dirty = true;
  }

  /** The batch was settled through `batch.lastSeq`: what has no outcome was dropped or refused by a stage. */
  settle(batch: EgressBatch): void {
    const refused = new Map(batch.rejects.map((r) => [r.seq, r.slot.error.message]));
    for (let seq = Math.max(this.settledThrough + 1, this.first); seq <= batch.lastSeq; seq++) {
      const entry = this.get(seq);
      if (!entry || entry.out) continue;
      const error = refused.get(seq);
      entry.out = error === undefined ? { status: 'dropped' } : { status: 'rejected', error };
    }
    this.settledThrough = Math.max(this.settledThrough, batch.lastSeq);
    this.dirty = true;
  }

  /** The capture as file text (one JSON line per record), secrets redacted (see `linesOf`). */
  text(): { meta: CaptureMeta; ingress: string; egress: string } {
    this.dirty = false;
    let ingress = '';
    let egress = '';
    let kept = 0;
    let settled = 0;
    for (const e of this.entries()) {
      const { inLine, outLine } = linesOf(e, this.secrets);
      ingress += inLine;
      kept++;
      if (outLine !== undefined) {
        egress += outLine;
        settled++;
      }
    }
    const meta: CaptureMeta = {
      v: 1,
      written_at: new Date().toISOString(),
      pid: process.pid,
      spec_name: this.spec.name,
      spec_hash: this.spec.hash,
      limit_messages: this.limits.messages,
      limit_bytes: this.limits.maxBytes,
      kept,
      bytes: this.bytes,
      evicted: this.evicted,
      settled,
    };
    return { meta, ingress, egress };
  }

  /** `text()` as records (for tests and tools). */
  records(): { meta: CaptureMeta; ingress: CapturedIngress[]; egress: CapturedEgress[] } {
    const { meta, ingress, egress } = this.text();
    const parse = <T>(t: string): T[] =>
      t
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as T);
    return { meta, ingress: parse(ingress), egress: parse(egress) };
  }

  private *entries(): Generator<CaptureEntry> {
    for (let seq = this.first; seq < this.next; seq++) {
      const e = this.get(seq);
      if (e) yield e;
    }
  }

  private get(seq: number): CaptureEntry | undefined {
    if (seq < this.first || seq >= this.next) return undefined;
    return this.slots[seq % this.limits.messages];
  }

  private trim(): void {
    while (this.bytes > this.limits.maxBytes && this.first < this.next) this.evictOldest();
  }

  private evictOldest(): void {
    const k = this.first % this.limits.messages;
    const entry = this.slots[k];
    if (entry) this.bytes -= entry.bytes;
    this.slots[k] = undefined;
    this.first++;
    this.evicted++;
  }

  /** A gap in sequences (not expected: the ring publishes consecutively): start afresh at `seq`. */
  private restartAt(seq: number): void {
    while (this.first < this.next) this.evictOldest();
    this.first = seq;
    this.next = seq;
  }
}
