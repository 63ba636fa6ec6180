import { checkFailed, checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import type { GroupInfo } from './check-group.js';
import { type TopicInfo, UNREPORTED } from './check-topics.js';
import { COMPONENT, permissionsMissing } from './errors.js';

/** Kafka ACL operation codes (`AclOperation`), the bit numbers of an authorized-operations field. */
const READ = 3;
const WRITE = 4;

const has = (field: number, op: number): boolean =>
  field !== UNREPORTED && (field & (1 << op)) !== 0;

/**
 * `permissions`, from the authorized operations the brokers report with Metadata (topics) and
 * DescribeGroups (the group): the role needs READ on each topic and READ on the group (join,
 * fetch the committed offsets, commit) as an ingress, WRITE on the topic as an egress (which also
 * covers the idempotent producer since Kafka 3.0). The brokers compute the field with their
 * authorizer (without one, every operation is reported). No ACL is listed, nothing is tried out:
 * what the brokers do not report is a `warn` saying so, never guessed.
 */
export function permissionsCheck(
  role: 'ingress' | 'egress',
  topics: readonly TopicInfo[] | undefined,
  group: { readonly id: string; readonly info: GroupInfo } | undefined,
  user: string | undefined,
  startedAt: number,
): TransportCheck {
  const granted: string[] = [];
  const missing: string[] = [];
  const unknown: string[] = [];
  const op = role === 'ingress' ? READ : WRITE;
  const opName = role === 'ingress' ? 'READ' : 'WRITE';
  if (!topics) unknown.push('the topics (brokers older than Kafka 2.3 do not report permissions)');
  for (const t of topics ?? []) {
    const what = `${opName} on topic "${t.name}"`;
    if (t.errorCode !== 0) unknown.push(`${what} (the topic does not exist yet)`);
    else if (t.operations === UNREPORTED) unknown.push(`${what} (not reported by the brokers)`);
    else (has(t.operations, op) ? granted : missing).push(what);
  }
  if (group) {
    const what = `READ on group "${group.id}"`;
    if (group.info.check.status === 'fail')
      unknown.push(`${what} (the group could not be described)`);
    else if (group.info.operations === UNREPORTED)
      unknown.push(`${what} (not reported by the brokers)`);
    else (has(group.info.operations, READ) ? granted : missing).push(what);
  }
  if (missing.length > 0)
    return checkFailed('permissions', permissionsMissing(missing, user), COMPONENT, { startedAt });
  const ok = granted.length > 0 ? `granted ${granted.join(', ')}` : '';
  if (unknown.length > 0)
    return checkResult(
      'permissions',
      'warn',
      `${ok}${ok ? '; ' : ''}not checked: ${unknown.join(', ')}`,
      {
        fix: 'make sure the principal has those operations (kafka-acls --list), or run doctor again once the topic exists',
        startedAt,
      },
    );
  return checkResult('permissions', 'ok', ok, { startedAt });
}
