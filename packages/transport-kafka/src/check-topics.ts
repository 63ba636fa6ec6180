import type { CheckBudget } from '@edgeplane/adapter-loop/transport';
import { checkFailed, checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  type Admin,
  type Connection,
  metadataV8,
  metadataV9,
  metadataV10,
  metadataV11,
  metadataV12,
  ProtocolError,
} from '@platformatic/kafka';
import { COMPONENT, kafkaError } from './errors.js';

/** What a Metadata answer says of one topic. */
export interface TopicInfo {
  readonly name: string;
  /** Kafka protocol error code of the topic (0: it exists and may be described). */
  readonly errorCode: number;
  readonly partitions: number;
  /** Partitions without a leader (offline). */
  readonly leaderless: readonly number[];
  /** The `topic_authorized_operations` bit field (`UNREPORTED` when the brokers gave none). */
  readonly operations: number;
}

/** Kafka's "not provided" value of an authorized operations bit field (INT32 min). */
export const UNREPORTED = -2147483648;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
/** Metadata versions with `include_topic_authorized_operations` (v8 = Kafka 2.3), newest first. */
const METADATA = [metadataV12, metadataV11, metadataV10, metadataV9, metadataV8] as const;

/**
 * Asks the brokers for `topics` without creating them (`allow_auto_topic_creation=false`), with
 * the operations the principal may do on each (Metadata v8+; `undefined` on older brokers), and
 * the id of a broker (to read its configuration).
 */
export async function describeTopics(
  connection: Connection,
  topics: readonly string[],
  metadataMax: number,
  budget: CheckBudget,
): Promise<{ topics: TopicInfo[]; nodeId: number } | undefined> {
  const version = METADATA.find((m) => m.api.version <= metadataMax);
  if (!version) return undefined;
  type Answer = Awaited<ReturnType<typeof metadataV8.api.async>>;
  let answer: Answer;
  try {
    answer = await budget.run(
      (version.api.async as typeof metadataV8.api.async)(connection, [...topics], false, true),
      `describe ${topics.map((t) => `"${t}"`).join(', ')}`,
    );
  } catch (error) {
    // a topic error comes as an error holding the whole answer: read the answer
    const partial = (error as { response?: Answer }).response;
    if (!partial?.topics) throw error;
    answer = partial;
  }
  const infos = topics.map((name): TopicInfo => {
    const t = answer.topics.find((x) => x.name === name);
    if (!t)
      return {
        name,
        errorCode: UNKNOWN_TOPIC_OR_PARTITION,
        partitions: 0,
        leaderless: [],
        operations: UNREPORTED,
      };
    return {
      name,
      errorCode: t.errorCode,
      partitions: t.partitions.length,
      leaderless: t.partitions.filter((p) => p.leaderId < 0).map((p) => p.partitionIndex),
      operations: t.topicAuthorizedOperations,
    };
  });
  return { topics: infos, nodeId: answer.brokers[0]?.nodeId ?? 1 };
}

/** The brokers' `auto.create.topics.enable` and `num.partitions`, or why they could not be read. */
export async function autoCreate(
  admin: Admin,
  nodeId: number,
  budget: CheckBudget,
): Promise<{ enabled: boolean; partitions: string | undefined } | { unknown: string }> {
  try {
    const [broker] = await budget.run(
      admin.describeConfigs({
        resources: [
          {
            resourceType: 4, // BROKER
            resourceName: String(nodeId),
            configurationKeys: ['auto.create.topics.enable', 'num.partitions'],
          },
        ],
      }),
      "read the brokers' auto.create.topics.enable",
    );
    const value = (key: string) => broker?.configs.find((c) => c.name === key)?.value ?? undefined;
    return {
      enabled: value('auto.create.topics.enable') === 'true',
      partitions: value('num.partitions'),
    };
  } catch (error) {
    return { unknown: kafkaError(error, 'read the broker configuration').detail };
  }
}

/**
 * `topic`: every topic exists (partition count, leaders), or will be created at `open()`. The
 * transport asks for a missing topic with auto-creation on at open (no option turns that off),
 * so the brokers' `auto.create.topics.enable` decides: `warn` when they create it, `fail` when not.
 */
export function topicCheck(
  infos: readonly TopicInfo[],
  create: { enabled: boolean; partitions: string | undefined } | { unknown: string },
  startedAt: number,
): TransportCheck {
  const parts: string[] = [];
  let status: TransportCheck['status'] = 'ok';
  let fix: string | undefined;
  for (const t of infos) {
    if (t.errorCode === 0 || t.errorCode === LEADER_NOT_AVAILABLE) {
      const n = `${t.partitions} partition${t.partitions === 1 ? '' : 's'}`;
      if (t.leaderless.length === 0 && t.errorCode === 0) parts.push(`"${t.name}" exists (${n})`);
      else {
        status = 'warn';
        parts.push(
          `"${t.name}" exists (${n}) but partitions ${t.leaderless.join(', ')} have no leader`,
        );
        fix ??= 'check the brokers that lead those partitions (a broker down?)';
      }
      continue;
    }
    if (t.errorCode !== UNKNOWN_TOPIC_OR_PARTITION) {
      const error = kafkaError(new ProtocolError(t.errorCode), `describe topic "${t.name}"`);
      return checkFailed('topic', error, COMPONENT, { startedAt });
    }
    if ('unknown' in create) {
      if (status === 'ok') status = 'warn';
      parts.push(
        `"${t.name}" does not exist; whether the brokers create it at open is unknown (${create.unknown})`,
      );
      fix ??= 'create the topic, with the partitions and retention the lane needs';
    } else if (create.enabled) {
      if (status === 'ok') status = 'warn';
      const n = create.partitions ? `, ${create.partitions} partition(s)` : '';
      parts.push(
        `"${t.name}" does not exist: the brokers create it at open (auto.create.topics.enable=true${n})`,
      );
      fix ??=
        'create the topic with the partitions and retention the lane needs, or accept the broker defaults';
    } else {
      status = 'fail';
      parts.push(
        `"${t.name}" does not exist and the brokers do not create topics (auto.create.topics.enable=false)`,
      );
      fix = 'create the topic, or fix `topic` / `topics`';
    }
  }
  return checkResult('topic', status, `topic ${parts.join('; ')}`, { fix, startedAt });
}
