import {
  type CheckContext,
  type CheckRun,
  checkFailed,
  checkResult,
  checkSkipped,
  compareVersions,
} from '@edgeplane/adapter-loop/transport';
import type { Connections } from './connection.js';
import { aclDenied, COMPONENT, redisError, replyCode } from './errors.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

/** The consumer name in the commands given to `ACL DRYRUN` (nothing runs: it is never created). */
const PROBE_CONSUMER = 'edgeplane-doctor';

/** The commands a role runs, with their keys, as `ACL DRYRUN` takes them. */
export function commandsOf(o: ResolvedRedisStreamsOptions, role: CheckContext['role']): string[][] {
  const { stream: s, group: g } = o;
  const out: string[][] = [];
  if (role === 'egress') out.push(['XADD', s, '*', o.bodyField, 'x']);
  else {
    out.push(
      ['XREADGROUP', 'GROUP', g, PROBE_CONSUMER, 'COUNT', '1', 'STREAMS', s, '>'],
      ['XACK', s, g, '0-1'],
      ['XPENDING', s, g],
      ['XINFO', 'GROUPS', s],
      ['XINFO', 'STREAM', s],
    );
    if (o.claimMinIdleMs > 0) out.push(['XAUTOCLAIM', s, g, PROBE_CONSUMER, '0', '0-0']);
    out.push(o.createGroup ? ['XGROUP', 'CREATE', s, g, o.startId, 'MKSTREAM'] : ['TYPE', s]);
  }
  if (o.waitReplicas > 0) out.push(['WAIT', '0', '0']);
  return out;
}

/** `XINFO GROUPS`, `XADD`: the command as an operator names it. */
const label = (command: readonly string[]): string =>
  /^(XINFO|XGROUP)$/.test(command[0] ?? '') ? `${command[0]} ${command[1]}` : (command[0] ?? '');

/**
 * The `permissions` check: `ACL DRYRUN <user> <command> …` for every command the role runs
 * (Redis ≥ 7, an ACL user configured). Skipped, saying why, without an ACL user, on older servers,
 * and when the user may not run `ACL DRYRUN` itself (an admin command).
 */
export async function checkPermissions(
  run: CheckRun,
  connections: Connections,
  o: ResolvedRedisStreamsOptions,
  role: CheckContext['role'],
  user: string | undefined,
  version: string | undefined,
): Promise<void> {
  if (user === undefined) {
    const why =
      'no ACL user is configured (`username`): the `default` user may run every command unless the server restricts it';
    run.add(checkSkipped('permissions', why));
    return;
  }
  if (version === undefined || compareVersions(version, '7.0') < 0) {
    const why = `ACL DRYRUN needs Redis 7.0 or newer (the server's version: ${version ?? 'unknown'})`;
    run.add(checkSkipped('permissions', why));
    return;
  }
  const commands = commandsOf(o, role);
  const at = performance.now();
  const denied: { command: string; reason: string }[] = [];
  for (const command of commands) {
    let reply: unknown;
    try {
      reply = await run.race(
        connections.cmd.call('ACL', 'DRYRUN', user, ...command),
        `ACL DRYRUN ${label(command)}`,
      );
    } catch (error) {
      if (run.signal.aborted) throw error;
      if (replyCode(error) === 'NOPERM') {
        const example = `ACL DRYRUN ${user} ${commands[0]?.join(' ')}`;
        const why = `ACL user \`${user}\` may not run ACL DRYRUN (an admin command): check the commands as an admin, e.g. \`${example}\``;
        run.add(checkSkipped('permissions', why));
        return;
      }
      const e = redisError(error, {
        action: `ACL DRYRUN ${label(command)}`,
        server: connections.server,
      });
      run.add(checkFailed('permissions', e, COMPONENT));
      return;
    }
    if (String(reply) !== 'OK') denied.push({ command: label(command), reason: String(reply) });
  }
  if (denied.length > 0) {
    const e = aclDenied(user, o.stream, denied, connections.server);
    run.add(checkFailed('permissions', e, COMPONENT, { startedAt: at }));
    return;
  }
  const names = commands.map(label).join(', ');
  const detail = `ACL user \`${user}\` may run ${names} on stream ${JSON.stringify(o.stream)} (ACL DRYRUN)`;
  run.add(checkResult('permissions', 'ok', detail, { startedAt: at }));
}
