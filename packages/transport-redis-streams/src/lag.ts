import type { LagReading } from '@edgeplane/adapter-loop/transport';
import { compareIds } from './acks.js';
import { type Connections, usable } from './connection.js';
import { commandTimeout } from './errors.js';
import type { ResolvedRedisStreamsOptions } from './options.js';
import { withTimeout } from './send.js';

/** A flat `[key, value, …]` reply as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1]);
  return out;
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : undefined;

/** `lag_unit` of a reading that is an estimate (shown in the snapshot). */
export const ESTIMATE_UNIT = 'messages (estimate)';

/**
 * Entries not delivered to the group yet, when Redis's own `lag` is null (it is, after
 * `XGROUP SETID` or `XGROUP CREATE` at an arbitrary id, or deletions in the part not yet read,
 * and on servers before 7.0). Exact where the stream's ends say it (the group is past the last
 * entry: 0; before the first: the whole length); else `entries-added - entries-read` clamped to
 * the length, marked an estimate.
 */
function undelivered(
  group: Map<string, unknown>,
  stream: Map<string, unknown>,
): { lag: number; exact: boolean } | undefined {
  const length = count(stream.get('length'));
  if (length === undefined) return undefined;
  const delivered = String(group.get('last-delivered-id') ?? '0-0');
  const firstEntry = stream.get('first-entry');
  const first = Array.isArray(firstEntry) ? String(firstEntry[0]) : undefined;
  const last = String(stream.get('last-generated-id') ?? '0-0');
  if (length === 0 || compareIds(delivered, last) >= 0) return { lag: 0, exact: true };
  if (first !== undefined && compareIds(delivered, first) < 0) return { lag: length, exact: true };
  const added = count(stream.get('entries-added'));
  const read = count(group.get('entries-read'));
  if (added === undefined || read === undefined) return { lag: length, exact: false };
  return { lag: Math.min(length, Math.max(0, added - read)), exact: false };
}

/**
 * Messages the group has not processed yet: not yet delivered (`lag` of `XINFO GROUPS`, Redis ≥
 * 7.0) plus delivered but not acknowledged (`pending`, on any consumer: also those of a consumer
 * that died, until they are reclaimed). Where Redis leaves `lag` null, see `undelivered()`: such a
 * reading says `unit: 'messages (estimate)'` unless it is exact. While the connection is down the
 * reading is null (the state says why).
 */
export async function readLag(
  connections: Connections,
  options: ResolvedRedisStreamsOptions,
): Promise<LagReading> {
  const client = connections.cmd;
  if (connections.closed || !usable(client)) return { lag: null };
  const action = `read the lag of group ${JSON.stringify(options.group)} (XINFO)`;
  const server = connections.server;
  try {
    const replies = await withTimeout(
      client
        .pipeline()
        .call('XINFO', 'GROUPS', options.stream)
        .call('XINFO', 'STREAM', options.stream)
        .exec(),
      options.commandTimeoutMs,
    );
    if (replies === undefined) throw commandTimeout({ action, server }, options.commandTimeoutMs);
    const failed = replies?.find(([e]) => e)?.[0];
    if (failed) throw failed;
    const groups = replies?.[0]?.[1];
    const group = (Array.isArray(groups) ? groups : [])
      .map(fieldsOf)
      .find((g) => String(g.get('name')) === options.group);
    if (!group) return { lag: null };
    const pending = count(group.get('pending')) ?? 0;
    const lag = count(group.get('lag'));
    if (lag !== undefined) return { lag: lag + pending };
    const guess = undelivered(group, fieldsOf(replies?.[1]?.[1]));
    if (!guess) return { lag: null };
    return guess.exact
      ? { lag: guess.lag + pending }
      : { lag: guess.lag + pending, unit: ESTIMATE_UNIT };
  } catch (error) {
    const mapped = connections.error(client, error, action);
    // The connection went down under the query: the state (`reconnecting`) already says so.
    if (mapped.retryable && !usable(client)) return { lag: null };
    throw mapped;
  }
}
