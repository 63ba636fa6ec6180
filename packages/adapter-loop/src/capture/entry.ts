import {
  type CapturedEgress,
  type CapturedIngress,
  encodeBody,
  redactHeaders,
  scrub,
} from './records.js';

/** Key and headers of a message: kept without the message (its body may pin a large buffer). */
export interface CapturedMeta {
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

/** What the egress took for a captured message, or why it took nothing. */
export type CaptureOutcome =
  | ({ readonly status: 'sent'; readonly body: Uint8Array } & CapturedMeta)
  | { readonly status: 'dropped' }
  | { readonly status: 'rejected'; readonly error: string }
  | ({
      readonly status: 'rejected';
      readonly error: string;
      /** The egress refused it: what it was given (replay compares that, not the refusal). */
      readonly by: 'egress';
      readonly body: Uint8Array;
    } & CapturedMeta);

/** One captured message in memory, at ring sequence `seq`. */
export interface CaptureEntry extends CapturedMeta {
  readonly seq: number;
  readonly id: string;
  readonly origin: string | undefined;
  readonly position: string | undefined;
  /**
   * A copy of the body (the transport's buffer may be reused or far larger than the message);
   * let go once both lines are written.
   */
  body: Uint8Array;
  /** Bytes it holds: bodies, keys and headers, ingress and egress (as received). */
  bytes: number;
  /** Undefined until settled. */
  out: CaptureOutcome | undefined;
  /** Its `ingress.ndjson` and `egress.ndjson` lines, made once (secrets never change in a run). */
  inLine: string | undefined;
  outLine: string | undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * The entry's lines, made at most once each: secret-named headers `[redacted]`, the known
 * `secrets` scrubbed from bodies, keys, header values, ids, origins and errors. Once both are
 * made, the bodies are let go.
 */
export function linesOf(
  e: CaptureEntry,
  secrets: readonly string[],
): { inLine: string; outLine: string | undefined } {
  const text = (s: string | undefined) => (s === undefined ? undefined : scrub(s, secrets));
  e.inLine ??= `${JSON.stringify({
    seq: e.seq,
    id: scrub(e.id, secrets),
    origin: text(e.origin),
    position: text(e.position),
    key: text(e.key),
    headers: redactHeaders(e.headers, secrets),
    ...encodeBody(e.body, secrets),
  } satisfies CapturedIngress)}\n`;
  const out = e.out;
  if (!out) return { inLine: e.inLine, outLine: undefined };
  if (e.outLine === undefined) {
    const seq = e.seq;
    const record: CapturedEgress =
      out.status === 'sent'
        ? {
            seq,
            status: 'sent',
            key: text(out.key),
            headers: redactHeaders(out.headers, secrets),
            ...encodeBody(out.body, secrets),
          }
        : out.status === 'rejected' && 'by' in out
          ? {
              seq,
              status: 'rejected',
              error: scrub(out.error, secrets),
              refused_by: 'egress',
              key: text(out.key),
              headers: redactHeaders(out.headers, secrets),
              ...encodeBody(out.body, secrets),
            }
          : out.status === 'rejected'
            ? { seq, status: 'rejected', error: scrub(out.error, secrets) }
            : { seq, status: 'dropped' };
    e.outLine = `${JSON.stringify(record)}\n`;
    e.body = EMPTY;
    if (out.status === 'sent' || 'by' in out) e.out = { ...out, body: EMPTY };
  }
  return { inLine: e.inLine, outLine: e.outLine };
}
