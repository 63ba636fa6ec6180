import {
  CheckBudget,
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
  type TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import { CheckClients, credentialsCheck, reachableCheck } from './check-connect.js';
import { groupCheck } from './check-group.js';
import { permissionsCheck } from './check-permissions.js';
import { autoCreate, describeTopics, type TopicInfo, topicCheck } from './check-topics.js';
import { serverVersionCheck } from './check-version.js';
import { COMPONENT, kafkaError, roleConfigError } from './errors.js';
import { type ResolvedKafkaOptions, sourceTopics } from './options.js';
import { sinkTopic } from './send.js';

/**
 * `doctor`'s checks of a Kafka endpoint (`Transport.check`), in order:
 * - `reachable`: a bootstrap broker answers ApiVersions, asked without credentials (see `reachableCheck`);
 * - `server-version`: the release, from that answer (see `serverVersionCheck`);
 * - `credentials`: a connection authenticated with the SASL options (or without, when none);
 * - `topic`: Metadata for the role's topics, never creating one (see `topicCheck`);
 * - `consumer-group` (ingress): the group's state, committed offsets and lag (see `groupCheck`);
 * - `permissions`: the operations the brokers say the principal may do (see `permissionsCheck`).
 * Nothing is produced, nothing joins the group, nothing is committed. Checks after a failed
 * `reachable` or `credentials` (or a topic that could not be described) are `skip`. Never
 * throws; resolves within `context.timeoutMs`, its connections closed.
 */
export async function checkKafka(
  o: ResolvedKafkaOptions,
  context: CheckContext,
  secrets: readonly string[],
): Promise<TransportCheck[]> {
  const budget = new CheckBudget(context, COMPONENT);
  const names = ['reachable', 'server-version', 'credentials', 'topic'];
  if (context.role === 'ingress') names.push('consumer-group');
  names.push('permissions');
  const checks: TransportCheck[] = [];
  /** `checks`, then every check not run yet as skipped because of `failed`. */
  const skipRest = (failed: string) => [
    ...checks,
    ...names
      .filter((n) => !checks.some((c) => c.name === n))
      .map((n) => checkSkipped(n, `${failed} failed`)),
  ];
  let clients: CheckClients;
  try {
    clients = await CheckClients.create(o, budget);
  } catch (error) {
    // a TLS file that cannot be read or used: the error names the option
    checks.push(checkFailed('reachable', error, COMPONENT));
    return skipRest('reachable');
  }
  try {
    const reachable = await reachableCheck(clients, o, budget, secrets);
    checks.push(reachable.check);
    if (!reachable.versions) return skipRest('reachable');
    checks.push(serverVersionCheck(reachable.versions));
    const credentials = await credentialsCheck(clients, o, budget, secrets);
    checks.push(credentials.check);
    if (!credentials.connection) return skipRest('credentials');

    let startedAt = performance.now();
    const topics = context.role === 'egress' ? [sinkTopic(o)] : sourceTopics(o);
    const metadataMax =
      reachable.versions.apiKeys.find((a) => a.name === 'Metadata')?.maxVersion ?? 0;
    let infos: TopicInfo[] | undefined;
    try {
      const described = await describeTopics(credentials.connection, topics, metadataMax, budget);
      infos = described?.topics;
      if (!described)
        checks.push(
          checkResult(
            'topic',
            'warn',
            'not checked: brokers older than Kafka 2.3 (no Metadata v8)',
            { fix: 'upgrade the brokers', startedAt },
          ),
        );
      else {
        const missing = described.topics.some((t) => t.errorCode === 3);
        const create = missing
          ? await autoCreate(clients.admin, described.nodeId, budget)
          : { enabled: true, partitions: undefined };
        checks.push(topicCheck(described.topics, create, startedAt));
      }
    } catch (error) {
      const mapped = kafkaError(
        error,
        `describe ${topics.map((t) => `"${t}"`).join(', ')}`,
        secrets,
      );
      checks.push(checkFailed('topic', mapped, COMPONENT, { startedAt }));
      return skipRest('topic');
    }

    let group: Parameters<typeof permissionsCheck>[2];
    if (context.role === 'ingress') {
      startedAt = performance.now();
      if (o.groupId) {
        const info = await groupCheck(clients.admin, o, o.groupId, infos ?? [], budget, secrets);
        checks.push(info.check);
        group = { id: o.groupId, info };
      } else {
        const why =
          'a Kafka source needs `groupId`: the consumer group that keeps its committed offsets';
        checks.push(checkFailed('consumer-group', roleConfigError('groupId', why), COMPONENT));
      }
    }
    checks.push(permissionsCheck(context.role, infos, group, o.saslUsername, performance.now()));
    return checks;
  } catch (error) {
    // an option the role cannot use (`sinkTopic`), or the budget spent between two probes
    const next = names.find((n) => !checks.some((c) => c.name === n)) ?? 'permissions';
    checks.push(checkFailed(next, kafkaError(error, 'check the brokers', secrets), COMPONENT));
    return skipRest(next);
  } finally {
    await clients.close(budget);
  }
}
