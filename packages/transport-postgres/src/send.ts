import type { Writable } from 'node:stream';
import {
  type EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { type Connections, ident, type Sql } from './connection.js';
import { closedError, sqlState } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';
import { copyLines, type Row, toRows } from './rows.js';

/** Rows per INSERT statement in `writeMode=insert` (4 parameters each, under 65535). */
export const INSERT_ROWS = 1000;
const STAGE = 'edgeplane_copy_stage';

/** Errors of a connection that is gone (the client's codes, socket errno), not of the server. */
const GONE: ReadonlySet<string> = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
]);
export function connectionGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return sqlState(error) === undefined && typeof code === 'string' && GONE.has(code);
}

const asResult = (error: EdgeplaneError): SendResult =>
  error.retryable ? sendRetryable(error) : sendFailed(error);

/**
 * The sink: each batch in one transaction (COPY FROM STDIN, or multi-row INSERTs), `ok` once
 * PostgreSQL committed it. With `dedupe` and message ids, rows whose id is already in the table
 * are skipped (`ON CONFLICT DO NOTHING`; COPY goes through a temporary table for that). A message
 * the table cannot hold fails alone (`partial`); a data error of the server (22xxx) fails the batch
 * with `invalid-input`, so the loop resends it one message at a time to find the message.
 */
export class PostgresSink {
  private readonly columns: string;
  private readonly action: string;

  constructor(
    private readonly options: ResolvedPostgresOptions,
    private readonly connections: Connections,
  ) {
    const o = options;
    this.columns = [o.messageIdColumn, o.keyColumn, o.headersColumn, o.payloadColumn]
      .map(ident)
      .join(', ');
    this.action = `write to table ${JSON.stringify(o.table)}`;
  }

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    const { connections } = this;
    if (connections.closed) return sendFailed(closedError());
    if (connections.fatal) return sendFailed(connections.fatal);
    if (signal?.aborted)
      return sendRetryable(connections.failure(new Error('aborted'), this.action));
    if (batch.length === 0) return sendOk();
    const { rows, rejected } = toRows(batch, this.options);
    if (rows.length === 0) return sendPartial(rejected);
    try {
      await connections.sql.begin(async (tx) => {
        try {
          if (this.options.writeMode === 'copy') await this.copy(tx as unknown as Sql, rows);
          else await this.insert(tx as unknown as Sql, rows);
          if (this.options.notifyChannel)
            await tx.unsafe('SELECT pg_notify($1, $2)', [this.options.notifyChannel, '']);
        } catch (error) {
          // postgres 3.4.10's begin() answers a failed callback with ROLLBACK on the same
          // connection, even one that just closed: that write hits a null socket in a timer and
          // ends the process (test/server-restart.test.ts). The server rolls back a transaction
          // whose connection died, and begin() itself rejects through the connection's close, so
          // on a connection error the callback is left pending instead (nothing is sent).
          if (connectionGone(error)) return new Promise<never>(() => {});
          throw error;
        }
      });
    } catch (error) {
      if (connections.closed) return sendFailed(closedError());
      return asResult(connections.failure(error, this.action));
    }
    connections.ok();
    return sendPartial(rejected);
  }

  private conflict(rows: readonly Row[]): string {
    return this.options.dedupe && rows.some((r) => r.id !== null)
      ? ` ON CONFLICT (${ident(this.options.messageIdColumn)}) DO NOTHING`
      : '';
  }

  private async copy(tx: Sql, rows: readonly Row[]): Promise<void> {
    const o = this.options;
    const data = copyLines(rows, o.payloadType);
    const conflict = this.conflict(rows);
    if (conflict === '') {
      await copyIn(tx, `COPY ${ident(o.table)} (${this.columns}) FROM STDIN`, data);
      return;
    }
    // COPY has no ON CONFLICT: stage the batch in a temporary table, then insert what is new,
    // in COPY order (`n`: a heap scan may return rows out of insertion order, and the target's
    // `orderBy` values must follow the batch's order).
    await tx.unsafe(
      `CREATE TEMP TABLE IF NOT EXISTS ${STAGE} (n bigserial, id text, k text, h jsonb, p ${o.payloadType}) ON COMMIT DELETE ROWS`,
    );
    await copyIn(tx, `COPY ${STAGE} (id, k, h, p) FROM STDIN`, data);
    await tx.unsafe(
      `INSERT INTO ${ident(o.table)} (${this.columns}) SELECT id, k, h, p FROM ${STAGE} ORDER BY n${conflict}`,
    );
  }

  private async insert(tx: Sql, rows: readonly Row[]): Promise<void> {
    const o = this.options;
    const conflict = this.conflict(rows);
    for (let start = 0; start < rows.length; start += INSERT_ROWS) {
      const chunk = rows.slice(start, start + INSERT_ROWS);
      const values: string[] = [];
      const params: (string | Buffer | null)[] = [];
      for (const r of chunk) {
        const n = params.length;
        values.push(
          `($${n + 1}::text, $${n + 2}::text, $${n + 3}::jsonb, $${n + 4}::${o.payloadType})`,
        );
        const body = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
        params.push(
          r.id,
          r.key,
          r.headers,
          o.payloadType === 'bytea' ? body : body.toString('utf8'),
        );
      }
      await tx.unsafe(
        `INSERT INTO ${ident(o.table)} (${this.columns}) VALUES ${values.join(', ')}${conflict}`,
        params as never[],
      );
    }
  }
}

/**
 * `COPY … FROM STDIN` of `data` (COPY text format) on `tx`.
 *
 * postgres 3.4.10 never settles a COPY stream whose data the server refuses (a constraint, a
 * type mismatch): it drops the error after CopyDone, and a plain `pipeline()` would wait forever.
 * So the data is written, the stream ended, and a `SELECT 1` queued behind the COPY on the same
 * transaction settles it either way: it succeeds after a COPY that worked, and fails with 25P02
 * (transaction aborted) after one the server refused (send.test: "a refused COPY fails, not hangs").
 */
async function copyIn(tx: Sql, statement: string, data: Buffer): Promise<void> {
  const writable = guarded(await tx.unsafe(statement).writable());
  const finished = new Promise<void>((resolve, reject) => {
    writable.once('finish', resolve);
    writable.once('error', reject);
  });
  finished.catch(() => {});
  try {
    await new Promise<void>((resolve, reject) =>
      writable.write(data, (error) => (error ? reject(error) : resolve())),
    );
    writable.end();
    for (let attempt = 0; ; attempt++) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await tx.unsafe('SELECT 1');
        break;
      } catch (error) {
        // The client refuses a query until its COPY stream has sent CopyDone: wait for it.
        if ((error as { code?: unknown }).code !== 'COPY_IN_PROGRESS' || attempt >= 1000)
          throw error;
      }
    }
    await finished;
  } catch (error) {
    if (sqlState(error) !== undefined || typeof (error as { code?: unknown }).code === 'string')
      throw error;
    // The stream failed in the client (its socket went away mid-COPY): a connection loss.
    throw Object.assign(new Error('the connection was lost during COPY'), {
      code: 'CONNECTION_CLOSED',
      cause: error,
    });
  }
}

type Guardable = Writable & {
  _write: (
    chunk: unknown,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) => void;
  _final: (callback: (error?: Error | null) => void) => void;
  _destroy: (error: Error | null, callback: (error?: Error | null) => void) => void;
};

/**
 * postgres 3.4.10's COPY stream writes to the connection's socket, which is `null` once the
 * connection dropped (a server restart mid-COPY): the TypeError was thrown outside any promise
 * and ended the process (test/server-restart.test.ts). Here such a throw fails the stream instead.
 */
function guarded(writable: Writable): Writable {
  const w = writable as Guardable;
  const write = w._write.bind(w);
  const final = w._final.bind(w);
  const destroy = w._destroy.bind(w);
  w._write = (chunk, encoding, callback) => {
    try {
      write(chunk, encoding, callback);
    } catch (error) {
      callback(error as Error);
    }
  };
  w._final = (callback) => {
    try {
      final(callback);
    } catch (error) {
      callback(error as Error);
    }
  };
  w._destroy = (error, callback) => {
    try {
      destroy(error, callback);
    } catch {
      // the client's destroy writes a CopyFail to a socket that may be gone; it already called back
    }
  };
  return w;
}
