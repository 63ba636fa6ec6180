import { isUtf8 } from 'node:buffer';
import { type CapturedEgress, decodeBody } from '@edgeplane/adapter-loop';
import type { CaptureSet } from './capture-read.js';

/** One side of a difference: the outcome of a message, with a short preview of its body. */
export interface ReplayOutcome {
  /** `none`: the replay produced no outcome for it (it stopped first). */
  readonly status: 'sent' | 'dropped' | 'rejected' | 'none';
  readonly bytes?: number;
  /** Up to 64 characters of text (JSON-quoted) or 32 bytes as hex, from near the first difference. */
  readonly preview?: string;
  readonly key?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly error?: string;
}

/** The first message whose outcome differs between the capture and the replay. */
export interface ReplayDifference {
  /** 0-based position among the captured messages. */
  readonly index: number;
  /** Ring sequence in the captured run, the message's id and where it came from. */
  readonly seq: number;
  readonly id: string;
  readonly origin: string | null;
  /** What differs first: the outcome (sent / dropped / rejected), the key, the headers or the body. */
  readonly field: 'outcome' | 'key' | 'headers' | 'body';
  /** For `body`: the first byte that differs (0-based). */
  readonly at_byte?: number;
  /** The captured egress outcome, and the replay's. */
  readonly expected: ReplayOutcome;
  readonly got: ReplayOutcome;
}

const PREVIEW_CHARS = 64;
const PREVIEW_BYTES = 32;

/** Valid UTF-8 without control bytes but TAB, LF and CR. */
function isText(buf: Buffer): boolean {
  for (const b of buf)
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
  return isUtf8(buf);
}

/** A short preview of `bytes` from about `at`: JSON-quoted text when printable UTF-8, else hex. */
export function previewBytes(bytes: Uint8Array, at = 0): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = at > 16 ? at - 16 : 0;
  const lead = start > 0 ? '…' : '';
  if (isText(buf)) {
    const text = buf.toString('utf8');
    const from = Buffer.from(buf.subarray(0, start)).toString('utf8').length;
    const part = text.slice(from, from + PREVIEW_CHARS);
    return `${lead}${JSON.stringify(part)}${from + PREVIEW_CHARS < text.length ? '…' : ''}`;
  }
  const part = buf.subarray(start, start + PREVIEW_BYTES).toString('hex');
  return `${lead}hex ${part}${start + PREVIEW_BYTES < buf.length ? '…' : ''}`;
}

function outcome(r: CapturedEgress | undefined, at: number): ReplayOutcome {
  if (!r) return { status: 'none' };
  if (r.status === 'rejected' && r.refused_by !== 'egress')
    return { status: 'rejected', error: r.error ?? '' };
  if (r.status === 'dropped') return { status: 'dropped' };
  const body = decodeBody(r);
  return {
    status: 'sent',
    ...(r.refused_by === 'egress' ? { error: `then refused by the egress: ${r.error ?? ''}` } : {}),
    bytes: body.byteLength,
    preview: previewBytes(body, at),
    ...(r.key === undefined ? {} : { key: r.key }),
    ...(r.headers === undefined ? {} : { headers: r.headers }),
  };
}

const headersText = (h: Readonly<Record<string, string>> | undefined): string =>
  JSON.stringify(Object.entries(h ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The first byte at which two bodies differ, or -1 when equal. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : n;
}

/** Why `expected` and `got` differ first, or null when they are the same. */
function differs(
  expected: CapturedEgress,
  got: CapturedEgress | undefined,
): { field: ReplayDifference['field']; at?: number } | null {
  // The egress is not replayed: a message it refused compares by what it was given.
  const status = expected.refused_by === 'egress' ? 'sent' : expected.status;
  if (!got || got.status !== status) return { field: 'outcome' };
  if (status !== 'sent') return null;
  if ((expected.key ?? '') !== (got.key ?? '')) return { field: 'key' };
  if (headersText(expected.headers) !== headersText(got.headers)) return { field: 'headers' };
  const at = firstDifference(decodeBody(expected), decodeBody(got));
  return at < 0 ? null : { field: 'body', at };
}

/**
 * Compares, in capture order, each captured message that has an outcome (`capture.egress`) with
 * the replay's outcome for it (`replayed`, by 0-based position). Messages without a captured
 * outcome (not settled when captured) are replayed but not compared.
 */
export function compareCapture(
  capture: CaptureSet,
  replayed: ReadonlyMap<number, CapturedEgress>,
): { compared: number; difference: ReplayDifference | null } {
  let compared = 0;
  for (let index = 0; index < capture.ingress.length; index++) {
    const r = capture.ingress[index];
    const expected = r && capture.egress.get(r.seq);
    if (!r || !expected) continue;
    const got = replayed.get(index);
    const d = differs(expected, got);
    if (d) {
      const at = d.at ?? 0;
      const difference: ReplayDifference = {
        index,
        seq: r.seq,
        id: r.id,
        origin: r.origin ?? null,
        field: d.field,
        ...(d.at === undefined ? {} : { at_byte: d.at }),
        expected: outcome(expected, at),
        got: outcome(got, at),
      };
      return { compared, difference };
    }
    compared++;
  }
  return { compared, difference: null };
}
