import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { Connections } from './connection.js';
import { COMPONENT, replyCode } from './errors.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

/** File in the state dir (`<lane path>/ingress`) that keeps the generated consumer name. */
export const CONSUMER_FILE = 'redis-streams.consumer';

/** `host-pid-random`, unique per process. */
export function generatedConsumerName(): string {
  const random = Math.random().toString(36).slice(2, 8).padEnd(6, '0');
  return `${hostname()}-${process.pid}-${random}`;
}

/**
 * The consumer name: the `consumer` option; else the name kept in `<stateDir>/redis-streams.consumer`
 * (made and saved on first use), so a restart of the same lane reads its own pending entries
 * first; else a new `host-pid-random` name.
 */
export async function resolveConsumer(
  options: ResolvedRedisStreamsOptions,
  stateDir: string | undefined,
): Promise<string> {
  if (options.consumer !== undefined) return options.consumer;
  if (stateDir === undefined) return generatedConsumerName();
  const file = join(stateDir, CONSUMER_FILE);
  const kept = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (kept) return kept;
  const name = generatedConsumerName();
  try {
    await mkdir(stateDir, { recursive: true });
    await writeFile(`${file}.tmp`, `${name}\n`);
    await rename(`${file}.tmp`, file);
  } catch (error) {
    throw new EdgeplaneError(
      'permission-denied',
      COMPONENT,
      `cannot keep the consumer name in ${file}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'make the lane path writable, or set `consumer`',
      },
    );
  }
  return name;
}

/**
 * Makes sure the group exists: `XGROUP CREATE <stream> <group> <startId> MKSTREAM` with
 * `createGroup` (an existing group, `BUSYGROUP`, keeps its position); without it, a missing
 * stream or group is `not-found`.
 */
export async function ensureGroup(
  connections: Connections,
  options: ResolvedRedisStreamsOptions,
): Promise<void> {
  const client = connections.cmd;
  const { stream, group } = options;
  const action = `create group ${JSON.stringify(group)} of stream ${JSON.stringify(stream)}`;
  if (options.createGroup) {
    try {
      await client.call('XGROUP', 'CREATE', stream, group, options.startId, 'MKSTREAM');
    } catch (error) {
      if (replyCode(error) !== 'BUSYGROUP') throw connections.error(client, error, action);
    }
    return;
  }
  const check = `find group ${JSON.stringify(group)} of stream ${JSON.stringify(stream)}`;
  let groups: unknown;
  try {
    const type = await client.call('TYPE', stream);
    if (type === 'none')
      throw missingGroup(options, `stream ${JSON.stringify(stream)} does not exist`);
    groups = await client.call('XINFO', 'GROUPS', stream);
  } catch (error) {
    throw connections.error(client, error, check);
  }
  const names = (Array.isArray(groups) ? groups : []).map((g: unknown) => {
    const fields = Array.isArray(g) ? (g as unknown[]) : [];
    return String(fields[fields.indexOf('name') + 1]);
  });
  if (!names.includes(group))
    throw missingGroup(
      options,
      `stream ${JSON.stringify(stream)} has no group ${JSON.stringify(group)}`,
    );
}

/** A stream or group that is not there while `createGroup` is false (`not-found`, with the fix). */
export function missingGroup(options: ResolvedRedisStreamsOptions, what: string): EdgeplaneError {
  return new EdgeplaneError('not-found', COMPONENT, `${what} (\`createGroup\` is false)`, {
    details: { stream: options.stream, group: options.group },
    hint: `create it (\`XGROUP CREATE ${options.stream} ${options.group} 0 MKSTREAM\`) or set \`createGroup=true\``,
  });
}
