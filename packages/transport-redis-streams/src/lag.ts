import type { LagReading } from '@edgeplane/adapter-loop/transport';
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

/**
 * Messages the group has not been given yet: `lag` of `XINFO GROUPS` (Redis ≥ 7.0); where the
 * server leaves it null (after deletions) or lacks it, `entries-added` of `XINFO STREAM` minus the
 * group's `entries-read`; else null. Entries delivered but not acknowledged are not counted (they
 * are `pending`). While the connection is down the reading is null (the state says why).
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
    const groups = await withTimeout(
      client.call('XINFO', 'GROUPS', options.stream),
      options.commandTimeoutMs,
    );
    if (groups === undefined) throw commandTimeout({ action, server }, options.commandTimeoutMs);
    const group = (Array.isArray(groups) ? groups : [])
      .map(fieldsOf)
      .find((g) => String(g.get('name')) === options.group);
    if (!group) return { lag: null };
    const lag = count(group.get('lag'));
    if (lag !== undefined) return { lag };
    const read = count(group.get('entries-read'));
    if (read === undefined) return { lag: null };
    const stream = await withTimeout(
      client.call('XINFO', 'STREAM', options.stream),
      options.commandTimeoutMs,
    );
    const added = count(fieldsOf(stream).get('entries-added'));
    return { lag: added === undefined ? null : Math.max(0, added - read) };
  } catch (error) {
    const mapped = connections.error(client, error, action);
    // The connection went down under the query: the state (`reconnecting`) already says so.
    if (mapped.retryable && !usable(client)) return { lag: null };
    throw mapped;
  }
}
