import type {
  InboundBatch,
  InboundMessage,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type Connections, ident } from './connection.js';
import { badPosition, closedError } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';
import { type ReadRow, toMessage } from './rows.js';
import { receiveShared, type Slot } from './shared.js';
import { ensureTable } from './table.js';
import { Backoff, pause, race } from './wait.js';

const POSITION = /^-?\d{1,19}$/;

/**
 * The source side: the table check, the single-mode checkpoint (in the lane state dir, moved by
 * every ack), the `LISTEN` connection that wakes readers, the shared-mode transactions held until
 * their ack.
 */
export class PostgresSource {
  stateDir: string | undefined;
  /** Single mode: the last acknowledged position (undefined: nothing yet, read from the start). */
  checkpoint: string | undefined;
  private opening: Promise<void> | undefined;
  private saving: Promise<void> = Promise.resolve();
  readonly wakers: Set<() => void> = new Set();
  private stopResolve: () => void = () => {};
  /** Resolves at `close()`. */
  readonly stopped: Promise<void>;
  /** Shared mode: transactions held for unacknowledged batches, committed at close. */
  readonly held: Set<() => Promise<void>> = new Set();
  /** Shared mode: one connection per transaction (see `Slot`), at most `maxConnections`. */
  readonly slots: Slot[] = [];
  /** Wakes readers waiting for a free slot. */
  readonly slotWaiters: Set<() => void> = new Set();
  private unlisten: (() => Promise<void>) | undefined;
  readonly select: string;

  constructor(
    readonly options: ResolvedPostgresOptions,
    readonly connections: Connections,
  ) {
    this.stopped = new Promise((resolve) => {
      this.stopResolve = resolve;
    });
    const o = options;
    this.select = `SELECT ${ident(o.orderBy)}::text AS pos, ${ident(o.keyColumn)} AS k, ${ident(o.headersColumn)}::text AS h, ${ident(o.payloadColumn)} AS p FROM ${ident(o.table)}`;
  }

  /** Checks (or creates) the table, reads the checkpoint, starts `LISTEN`. Idempotent. */
  open(): Promise<void> {
    this.opening ??= this.openOnce().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    await ensureTable(this.connections);
    if (this.stateDir && this.checkpoint === undefined)
      this.checkpoint = await readCheckpoint(
        this.stateDir,
        this.options.table,
        this.options.orderBy,
      );
    const channel = this.options.notifyChannel;
    if (channel && !this.unlisten) {
      const wake = () => {
        for (const w of [...this.wakers]) w();
      };
      const { unlisten } = await this.connections.sql.listen(channel, wake);
      this.unlisten = unlisten;
    }
  }

  /** Single mode: moves the checkpoint forward to `position` (never back) and saves it. */
  acknowledge(position: string): Promise<void> {
    if (this.checkpoint !== undefined && BigInt(position) <= BigInt(this.checkpoint))
      return this.saving;
    this.checkpoint = position;
    const dir = this.stateDir;
    if (!dir) return Promise.resolve();
    const { table, orderBy } = this.options;
    this.saving = this.saving
      .catch(() => {})
      .then(() => writeCheckpoint(dir, table, orderBy, position));
    return this.saving;
  }

  /** Stops readers, commits held shared-mode transactions (acked rows stay done, the rest return). */
  async close(): Promise<void> {
    this.stopResolve();
    for (const w of [...this.wakers, ...this.slotWaiters]) w();
    await Promise.allSettled([...this.held].map((finish) => finish()));
    await this.unlisten?.().catch(() => {});
    await this.saving.catch(() => {});
  }
}

/** Yields batches until the signal aborts or the transport closes. */
export async function* receiveBatches(
  source: PostgresSource,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const { connections } = source;
  if (connections.closed) return;
  if (options.from !== undefined && !POSITION.test(options.from)) throw badPosition(options.from);
  await source.open();
  if (source.options.mode === 'shared') yield* receiveShared(source, options);
  else yield* receiveSingle(source, options);
}

async function* receiveSingle(
  source: PostgresSource,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const { connections, options: o } = source;
  const { signal } = options;
  const limit = Math.min(o.batchSize, options.maxBatchMessages ?? o.batchSize);
  let cursor: string | undefined = options.from ?? source.checkpoint;
  let notBefore = 0;
  const backoff = new Backoff(o.reconnectMaxDelayMs);
  const action = `read table ${JSON.stringify(o.table)}`;
  const ob = ident(o.orderBy);
  while (!signal.aborted && !connections.closed) {
    const wait = notBefore - Date.now();
    if (wait > 0) await pause(wait, signal, source.stopped);
    let rows: ReadRow[] | undefined;
    try {
      const query =
        cursor === undefined
          ? connections.sql.unsafe(`${source.select} ORDER BY ${ob} LIMIT $1`, [limit])
          : connections.sql.unsafe(
              `${source.select} WHERE ${ob} > $1::bigint ORDER BY ${ob} LIMIT $2`,
              [cursor, limit],
            );
      rows = (await race(query as Promise<unknown>, signal, source.stopped)) as
        | ReadRow[]
        | undefined;
    } catch (error) {
      if (connections.closed || signal.aborted) return;
      const mapped = connections.failure(error, action);
      if (!mapped.retryable) throw mapped;
      await pause(backoff.next(), signal, source.stopped);
      continue;
    }
    if (rows === undefined) return;
    connections.ok();
    backoff.reset();
    if (rows.length === 0) {
      await pause(o.pollIntervalMs, signal, source.stopped, source.wakers);
      continue;
    }
    const messages: InboundMessage[] = rows.map((r) => toMessage(r, o.table, o.orderBy));
    cursor = (messages[messages.length - 1] as InboundMessage).position;
    yield {
      messages,
      async ack(count = messages.length) {
        if (connections.closed) throw closedError();
        const n = Math.min(count, messages.length);
        if (n <= 0) return;
        await source.acknowledge((messages[n - 1] as InboundMessage).position as string);
      },
      async nack(nackOptions) {
        if (connections.closed) return;
        cursor = source.checkpoint;
        notBefore = Date.now() + (nackOptions?.retryAfterMs ?? 0);
      },
    };
  }
}

/** Lag: rows after the checkpoint (single mode) or rows pending (shared mode); null if unknown. */
export async function readLag(source: PostgresSource): Promise<number | null> {
  const { connections, options: o } = source;
  if (connections.closed) return null;
  const ob = ident(o.orderBy);
  try {
    let rows: unknown[];
    if (o.mode === 'shared')
      rows = await connections.sql.unsafe(
        `SELECT count(*)::text AS n FROM ${ident(o.table)}${o.onAck === 'mark' ? ` WHERE ${ident(o.doneColumn)} IS NULL` : ''}`,
      );
    else if (source.checkpoint === undefined)
      rows = await connections.sql.unsafe(`SELECT count(*)::text AS n FROM ${ident(o.table)}`);
    else
      rows = await connections.sql.unsafe(
        `SELECT count(*)::text AS n FROM ${ident(o.table)} WHERE ${ob} > $1::bigint`,
        [source.checkpoint],
      );
    return Number((rows[0] as { n: string }).n);
  } catch {
    return null;
  }
}
