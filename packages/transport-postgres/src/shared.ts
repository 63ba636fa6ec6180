import type {
  InboundBatch,
  InboundMessage,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import { ident, type Sql } from './connection.js';
import { closedError } from './errors.js';
import { type ReadRow, toMessage } from './rows.js';
import type { PostgresSource } from './source.js';
import { Backoff, pause, race } from './wait.js';

/**
 * A connection of its own for one shared-mode transaction at a time. `broken` is set when that
 * connection closes: its transaction is gone (the server rolled it back), so the batch's ack must
 * not run on whatever connection the client opens next.
 */
export interface Slot {
  readonly sql: Sql;
  busy: boolean;
  broken: boolean;
}

/** Takes a free slot (creating up to `maxConnections`), or waits for one; undefined when stopped. */
async function takeSlot(source: PostgresSource, signal: AbortSignal): Promise<Slot | undefined> {
  for (;;) {
    if (signal.aborted || source.connections.closed) return undefined;
    const free = source.slots.find((slot) => !slot.busy);
    if (free) {
      free.busy = true;
      return free;
    }
    if (source.slots.length < source.options.maxConnections) {
      const slot: Slot = {
        sql: source.connections.dedicated(() => {
          slot.broken = true;
        }),
        busy: true,
        broken: false,
      };
      source.slots.push(slot);
      return slot;
    }
    await pause(1000, signal, source.stopped, source.slotWaiters);
  }
}

function freeSlot(source: PostgresSource, slot: Slot): void {
  slot.busy = false;
  for (const w of [...source.slotWaiters]) w();
}

export async function* receiveShared(
  source: PostgresSource,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const { connections, options: o } = source;
  const { signal } = options;
  const limit = Math.min(o.batchSize, options.maxBatchMessages ?? o.batchSize);
  const backoff = new Backoff(o.reconnectMaxDelayMs);
  const action = `read table ${JSON.stringify(o.table)} (shared)`;
  const ackAction = `acknowledge rows of table ${JSON.stringify(o.table)}`;
  const ob = ident(o.orderBy);
  const pending = o.onAck === 'mark' ? ` WHERE ${ident(o.doneColumn)} IS NULL` : '';
  const lock = `${source.select}${pending} ORDER BY ${ob} LIMIT $1 FOR UPDATE SKIP LOCKED`;
  const done =
    o.onAck === 'mark'
      ? `UPDATE ${ident(o.table)} SET ${ident(o.doneColumn)} = now() WHERE ${ob} = ANY(string_to_array($1, ',')::bigint[])`
      : `DELETE FROM ${ident(o.table)} WHERE ${ob} = ANY(string_to_array($1, ',')::bigint[])`;
  while (!signal.aborted && !connections.closed) {
    const slot = await takeSlot(source, signal);
    if (!slot) return;
    let rows: ReadRow[] | undefined;
    try {
      slot.broken = false;
      await slot.sql.unsafe('BEGIN');
      rows = (await race(
        slot.sql.unsafe(lock, [limit]) as Promise<unknown>,
        signal,
        source.stopped,
      )) as ReadRow[] | undefined;
    } catch (error) {
      if (!slot.broken) await slot.sql.unsafe('ROLLBACK').catch(() => {});
      freeSlot(source, slot);
      if (connections.closed || signal.aborted) return;
      const mapped = connections.failure(error, action);
      if (!mapped.retryable) throw mapped;
      await pause(backoff.next(), signal, source.stopped);
      continue;
    }
    if (rows === undefined || rows.length === 0) {
      if (!slot.broken) await slot.sql.unsafe('COMMIT').catch(() => {});
      freeSlot(source, slot);
      if (rows === undefined) return;
      connections.ok();
      backoff.reset();
      await pause(o.pollIntervalMs, signal, source.stopped, source.wakers);
      continue;
    }
    connections.ok();
    backoff.reset();
    const messages: InboundMessage[] = rows.map((r) => toMessage(r, o.table, o.orderBy));
    let acked = 0;
    let finished = false;
    let chain: Promise<void> = Promise.resolve();
    const release = () => {
      finished = true;
      source.held.delete(finish);
      freeSlot(source, slot);
    };
    const lost = () =>
      connections.failure(
        Object.assign(
          new Error('the connection holding these rows closed; they return to the queue'),
          {
            code: 'CONNECTION_CLOSED',
          },
        ),
        ackAction,
      );
    // Commits what was acknowledged (nack, close): the rest is unlocked and returns to the queue.
    const finish = async (): Promise<void> => {
      if (finished) return;
      const broken = slot.broken;
      release();
      if (!broken) await slot.sql.unsafe('COMMIT');
    };
    source.held.add(finish);
    const serial = (step: () => Promise<void>) => {
      chain = chain.catch(() => {}).then(step);
      return chain;
    };
    yield {
      messages,
      ack(count = messages.length) {
        if (connections.closed && !finished) return Promise.reject(closedError());
        return serial(async () => {
          if (finished) {
            if (connections.closed) throw closedError();
            return;
          }
          const n = Math.min(count, messages.length);
          if (n <= acked) return;
          if (slot.broken) {
            release();
            throw lost();
          }
          const ids = messages.slice(acked, n).map((m) => m.position as string);
          try {
            await slot.sql.unsafe(done, [ids.join(',')]);
            acked = n;
            if (n === messages.length) await finish();
          } catch (error) {
            if (!finished) {
              if (!slot.broken) await slot.sql.unsafe('ROLLBACK').catch(() => {});
              release();
            }
            throw connections.failure(error, ackAction);
          }
        });
      },
      nack() {
        return serial(() => finish().catch(() => {}));
      },
    };
  }
}
