import { type EgressBatch, seqOf } from '../loop/egress.js';
import { redactText } from '../redact.js';
import type { StageMessage } from '../stages.js';
import type { InboundMessage, RejectedMessage } from '../transport/types.js';
import {
  type CapturedEgress,
  type CapturedIngress,
  type CaptureMeta,
  encodeBody,
  redactHeaders,
} from './records.js';
import { writeCaptureFiles } from './write.js';

/** Bounds of a capture: the last `messages` ingress messages, at most `maxBytes` bytes kept. */
export interface CaptureLimits {
  /** Ingress messages kept (the newest), ≥ 1. */
  readonly messages: number;
  /** Bytes kept: bodies, keys and headers of the ingress messages and of their egress outcome. */
  readonly maxBytes: number;
}

/** Key and headers of a message: kept without the message (its body may pin a large buffer). */
interface Meta {
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

type Outcome =
  | ({ readonly status: 'sent'; readonly body: Uint8Array } & Meta)
  | { readonly status: 'dropped' }
  | { readonly status: 'rejected'; readonly error: string };

interface Entry extends Meta {
  readonly seq: number;
  readonly id: string;
  readonly origin: string | undefined;
  readonly position: string | undefined;
  /** A copy of the body: the transport's buffer may be reused or far larger than the message. */
  readonly body: Uint8Array;
  bytes: number;
  out: Outcome | undefined;
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
 * oldest go first). Written as files by `writeCapture`; secrets are redacted then, not here.
 */
export class Capture {
  private readonly slots: (Entry | undefined)[];
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
    this.slots = new Array<Entry | undefined>(limits.messages);
  }

  /**
   * Writes the capture into `<lanePath>/capture/` if it changed since the last write. Writes are
   * serialised (a call waits for the one in progress); never rejects: a failed write is tried
   * again next time.
   */
  write(lanePath: string): Promise<void> {
    if (!this.dirty) return this.writing;
    const records = this.records();
    this.writing = this.writing
      .then(() => writeCaptureFiles(lanePath, records))
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
      const entry: Entry = {
        seq,
        id: m.id,
        origin: m.origin,
        position: m.position,
        key: m.key,
        headers: m.headers,
        body,
        bytes: sizeOf(m, body),
        out: undefined,
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
      if (error !== undefined) {
        entry.out = { status: 'rejected', error };
        continue;
      }
      const m = messages[i] as StageMessage;
      const same = sameBytes(m.body, entry.body);
      const body = same ? entry.body : Buffer.from(m.body);
      entry.out = { status: 'sent', key: m.key, headers: m.headers, body };
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

  /** The capture as file records, secrets redacted (header names by `isSecretKey`, values by `secrets`). */
  records(): { meta: CaptureMeta; ingress: CapturedIngress[]; egress: CapturedEgress[] } {
    this.dirty = false;
    const { secrets, spec } = this;
    const ingress: CapturedIngress[] = [];
    const egress: CapturedEgress[] = [];
    const text = (s: string | undefined) => (s === undefined ? undefined : redactText(s, secrets));
    for (let seq = this.first; seq < this.next; seq++) {
      const e = this.get(seq);
      if (!e) continue;
      ingress.push({
        seq,
        id: redactText(e.id, secrets),
        origin: text(e.origin),
        position: text(e.position),
        key: text(e.key),
        headers: redactHeaders(e.headers, secrets),
        ...encodeBody(e.body, secrets),
      });
      const out = e.out;
      if (out?.status === 'sent') {
        egress.push({
          seq,
          status: 'sent',
          key: text(out.key),
          headers: redactHeaders(out.headers, secrets),
          ...encodeBody(out.body, secrets),
        });
      } else if (out?.status === 'rejected')
        egress.push({ seq, status: 'rejected', error: redactText(out.error, secrets) });
      else if (out) egress.push({ seq, status: 'dropped' });
    }
    const meta: CaptureMeta = {
      v: 1,
      written_at: new Date().toISOString(),
      pid: process.pid,
      spec_name: spec.name,
      spec_hash: spec.hash,
      limit_messages: this.limits.messages,
      limit_bytes: this.limits.maxBytes,
      kept: ingress.length,
      bytes: this.bytes,
      evicted: this.evicted,
      settled: egress.length,
    };
    return { meta, ingress, egress };
  }

  private get(seq: number): Entry | undefined {
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
