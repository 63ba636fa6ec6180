import type { CheckRun } from '@edgeplane/adapter-loop/transport';
import {
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
} from '@edgeplane/adapter-loop/transport';
import type { Connections } from './connection.js';
import { COMPONENT, redisError, replyCode } from './errors.js';
import { missingGroup } from './group.js';
import { ESTIMATE_UNIT, readLag } from './lag.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

const WILL_CREATE =
  'nothing to do if that is intended; otherwise create it beforehand, or fix the name';

/**
 * Whether the stream exists and its length: `TYPE` then `XLEN`; for a user that may not run
 * `TYPE` (it is `@keyspace`, not `@stream`), `XLEN` alone, which cannot tell an empty stream from
 * a missing one (`exists` undefined). A key of another type fails with `WRONGTYPE`.
 */
async function probeStream(
  run: CheckRun,
  connections: Connections,
  stream: string,
  action: string,
): Promise<{ exists: boolean | undefined; length: number }> {
  const { cmd } = connections;
  let type: string | undefined;
  try {
    type = String(await run.race(cmd.call('TYPE', stream), action));
  } catch (error) {
    if (run.signal.aborted || replyCode(error) !== 'NOPERM') throw error;
  }
  if (type === 'none') return { exists: false, length: 0 };
  const length = Number(await run.race(cmd.call('XLEN', stream), action));
  return { exists: type === undefined && length === 0 ? undefined : true, length };
}

/**
 * The `stream` check. Returns whether the stream exists (undefined: it cannot be told, or the
 * check failed; `failed` says which).
 */
export async function checkStream(
  run: CheckRun,
  connections: Connections,
  o: ResolvedRedisStreamsOptions,
  role: CheckContext['role'],
): Promise<{ exists: boolean | undefined; failed: boolean }> {
  const name = JSON.stringify(o.stream);
  const at = performance.now();
  const action = `read stream ${name}`;
  let found: { exists: boolean | undefined; length: number };
  try {
    found = await probeStream(run, connections, o.stream, action);
  } catch (error) {
    if (run.signal.aborted) throw error;
    const e = redisError(error, { action, server: connections.server });
    if (role === 'egress' && e.code === 'permission-denied') {
      // The sink needs XADD only: a user that may not read the stream is not wrong for it.
      const why = `the ACL user may not read stream ${name} (NOPERM); a sink needs XADD only (see \`permissions\`)`;
      run.add(checkSkipped('stream', why));
      return { exists: undefined, failed: false };
    }
    run.add(checkFailed('stream', e, COMPONENT));
    return { exists: undefined, failed: true };
  }
  const ok = (detail: string) => {
    run.add(checkResult('stream', 'ok', detail, { startedAt: at }));
  };
  const warn = (detail: string) => {
    run.add(checkResult('stream', 'warn', detail, { fix: WILL_CREATE, startedAt: at }));
  };
  if (found.exists === true) ok(`stream ${name} exists (length ${found.length})`);
  else if (found.exists === undefined)
    ok(`stream ${name} is empty or does not exist yet (the ACL user may not run TYPE to tell)`);
  else if (role === 'egress') warn(`stream ${name} does not exist: the first XADD creates it`);
  else if (o.createGroup)
    warn(
      `stream ${name} does not exist: \`createGroup=true\` creates it (empty) with the group on the first open`,
    );
  else {
    const e = missingGroup(o, `stream ${name} does not exist`);
    run.add(checkFailed('stream', e, COMPONENT, { startedAt: at }));
    return { exists: false, failed: true };
  }
  return { exists: found.exists, failed: false };
}

/** A flat `[key, value, …]` reply as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (Array.isArray(reply))
    for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1]);
  return out;
}

/**
 * The `consumer-group` check of an ingress: the group in `XINFO GROUPS`, its consumers, pending
 * entries and lag (as `lag()` reads it), or that `createGroup` will create it.
 */
export async function checkGroup(
  run: CheckRun,
  connections: Connections,
  o: ResolvedRedisStreamsOptions,
  /** False: the stream does not exist (so neither does the group); undefined: not known. */
  streamExists: boolean | undefined,
): Promise<void> {
  const { cmd, server } = connections;
  const group = JSON.stringify(o.group);
  const at = performance.now();
  const action = `find group ${group} of stream ${JSON.stringify(o.stream)}`;
  let found: Map<string, unknown> | undefined;
  try {
    if (streamExists !== false) {
      const groups = await run.race(cmd.call('XINFO', 'GROUPS', o.stream), action);
      found = (Array.isArray(groups) ? groups : [])
        .map(fieldsOf)
        .find((g) => String(g.get('name')) === o.group);
    }
  } catch (error) {
    if (run.signal.aborted) throw error;
    run.add(checkFailed('consumer-group', redisError(error, { action, server }), COMPONENT));
    return;
  }
  if (!found) {
    const what = `stream ${JSON.stringify(o.stream)} has no group ${group}`;
    if (!o.createGroup) {
      const e = missingGroup(o, what);
      run.add(checkFailed('consumer-group', e, COMPONENT, { startedAt: at }));
      return;
    }
    const detail = `group ${group} does not exist: \`createGroup=true\` creates it at \`startId\` ${o.startId} on the first open`;
    run.add(checkResult('consumer-group', 'warn', detail, { fix: WILL_CREATE, startedAt: at }));
    return;
  }
  const lag = await run
    .race(readLag(connections, o), `read the lag of group ${group}`)
    .catch((error: unknown) => {
      if (run.signal.aborted) throw error;
      return { lag: null, unit: undefined }; // XINFO STREAM refused: the group is there all the same
    });
  const lagText =
    lag.lag === null
      ? 'lag unknown'
      : `lag ${lag.lag}${lag.unit === ESTIMATE_UNIT ? ' (estimate)' : ''}`;
  const detail = `group ${group} exists (consumers ${String(found.get('consumers'))}, pending ${String(found.get('pending'))}, ${lagText})`;
  run.add(checkResult('consumer-group', 'ok', detail, { startedAt: at }));
}
