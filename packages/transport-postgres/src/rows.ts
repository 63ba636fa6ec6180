import type {
  InboundMessage,
  OutboundMessage,
  RejectedMessage,
} from '@edgeplane/adapter-loop/transport';
import { badMessage, tooLarge } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';

/** One row to write: message id (or null), key, headers as JSON text, payload. */
export interface Row {
  readonly id: string | null;
  readonly key: string | null;
  readonly headers: string | null;
  readonly payload: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const hasNul = (s: string) => s.includes('\u0000');

/**
 * The message id the sink writes: the id the ingress gave the message (a stable
 * `InboundMessage.id`, passed through the loop), else null. That is what makes a resent batch
 * idempotent (`ON CONFLICT DO NOTHING`).
 */
function messageId(m: OutboundMessage): string | null {
  const id = (m as Partial<InboundMessage>).id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * Turns a batch into rows, refusing alone (`invalid-input`) what the table cannot hold: a text
 * payload that is not UTF-8 or holds NUL, a NUL in a key, header or id (text and jsonb refuse it).
 */
export function toRows(
  batch: readonly OutboundMessage[],
  options: ResolvedPostgresOptions,
): { rows: Row[]; indexes: number[]; rejected: RejectedMessage[] } {
  const rows: Row[] = [];
  const indexes: number[] = [];
  const rejected: RejectedMessage[] = [];
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i] as OutboundMessage;
    const reject = (why: string) => rejected.push({ index: i, error: badMessage(i, why) });
    if (m.body.byteLength > options.maxBodyBytes) {
      rejected.push({ index: i, error: tooLarge(i, m.body.byteLength, options.maxBodyBytes) });
      continue;
    }
    if (options.payloadType === 'text') {
      try {
        if (hasNul(utf8.decode(m.body))) {
          reject(
            'has a NUL byte in its body, which a text `payloadColumn` cannot hold (use payloadType=bytea)',
          );
          continue;
        }
      } catch {
        reject(
          'has a body that is not valid UTF-8, which a text `payloadColumn` cannot hold (use payloadType=bytea)',
        );
        continue;
      }
    }
    const id = options.dedupe ? messageId(m) : null;
    if (m.key !== undefined && hasNul(m.key)) {
      reject('has a NUL character in its key, which PostgreSQL text cannot hold');
      continue;
    }
    let headers: string | null = null;
    if (m.headers && Object.keys(m.headers).length > 0) {
      headers = JSON.stringify(m.headers);
      if (headers.includes('\\u0000')) {
        reject('has a NUL character in a header, which jsonb cannot hold');
        continue;
      }
    }
    rows.push({
      id: id !== null && hasNul(id) ? null : id,
      key: m.key ?? null,
      headers,
      payload: m.body,
    });
    indexes.push(i);
  }
  return { rows, indexes, rejected };
}

/** COPY text format: backslash, newline, carriage return and tab escaped; NULL is `\N`. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\n\r\t]/.test(value)
    ? value.replace(/[\\\n\r\t]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
      )
    : value;
}

/** The rows as COPY text-format lines (columns: id, key, headers, payload). */
export function copyLines(rows: readonly Row[], payloadType: 'bytea' | 'text'): Buffer {
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Row;
    const body = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
    const payload =
      payloadType === 'bytea' ? `\\\\x${body.toString('hex')}` : copyText(body.toString('utf8'));
    parts[i] = `${copyText(r.id)}\t${copyText(r.key)}\t${copyText(r.headers)}\t${payload}\n`;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

/** Columns read by the source, in the shape the client returns them. */
export interface ReadRow {
  readonly pos: string | number | bigint;
  readonly k: string | null;
  readonly h: unknown;
  readonly p: Uint8Array | string | null;
}

/** A read row as an inbound message: `id` is `<table>@<position>`, the position the orderBy value. */
export function toMessage(row: ReadRow, table: string, orderBy: string): InboundMessage {
  const position = String(row.pos);
  const p = row.p;
  const body =
    p === null
      ? new Uint8Array(0)
      : typeof p === 'string'
        ? new Uint8Array(Buffer.from(p, 'utf8'))
        : new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  const headers: Record<string, string> = {};
  let h = row.h;
  if (typeof h === 'string') {
    try {
      h = JSON.parse(h);
    } catch {
      h = undefined;
    }
  }
  if (h && typeof h === 'object' && !Array.isArray(h))
    for (const [name, value] of Object.entries(h as Record<string, unknown>))
      headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
  return {
    id: `${table}@${position}`,
    position,
    origin: `table ${table} ${orderBy} ${position}`,
    body,
    ...(row.k !== null && row.k !== undefined ? { key: row.k } : {}),
    headers,
  };
}
