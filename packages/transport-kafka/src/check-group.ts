import type { CheckBudget } from '@edgeplane/adapter-loop/transport';
import { checkFailed, checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import type { Admin } from '@platformatic/kafka';
import { type TopicInfo, UNREPORTED } from './check-topics.js';
import { COMPONENT, kafkaError } from './errors.js';
import type { ResolvedKafkaOptions } from './options.js';

/** What `consumer-group` learnt, for `permissions`. */
export interface GroupInfo {
  readonly check: TransportCheck;
  /** The group's `authorized_operations` bit field (`UNREPORTED` when unknown). */
  readonly operations: number;
}

/**
 * `consumer-group` (ingress): the group's state and members (DescribeGroups), its committed
 * offsets (OffsetFetch) and the lag behind the end offsets (ListOffsets) of the topics that
 * exist. Reads only: nothing joins the group, nothing is committed.
 */
export async function groupCheck(
  admin: Admin,
  o: ResolvedKafkaOptions,
  groupId: string,
  topics: readonly TopicInfo[],
  budget: CheckBudget,
  secrets: readonly string[],
): Promise<GroupInfo> {
  const startedAt = performance.now();
  try {
    const groups = await budget.run(
      admin.describeGroups({ groups: [groupId], includeAuthorizedOperations: true }),
      `describe the group ${groupId}`,
    );
    const group = groups.get(groupId);
    const state = group?.state ?? 'Dead';
    const members = group?.members.size ?? 0;
    const about =
      state === 'Dead'
        ? `group "${groupId}" does not exist yet (created when the lane joins)`
        : `group "${groupId}": ${state}, ${members} member${members === 1 ? '' : 's'}`;
    const present = topics.filter((t) => t.errorCode === 0 && t.partitions > 0);
    const lag = present.length > 0 ? await groupLag(admin, o, groupId, present, budget) : '';
    return {
      check: checkResult('consumer-group', 'ok', `${about}${lag}`, { startedAt }),
      operations: group?.authorizedOperations ?? UNREPORTED,
    };
  } catch (error) {
    const mapped = kafkaError(error, `describe the group ${groupId}`, secrets);
    return {
      check: checkFailed('consumer-group', mapped, COMPONENT, { startedAt }),
      operations: UNREPORTED,
    };
  }
}

/** `; committed on 2 of 3 partitions, lag 120 messages (...)`, as `lag()` counts it. */
async function groupLag(
  admin: Admin,
  o: ResolvedKafkaOptions,
  groupId: string,
  topics: readonly TopicInfo[],
  budget: CheckBudget,
): Promise<string> {
  const partitions = (t: TopicInfo) => Array.from({ length: t.partitions }, (_, i) => i);
  const at = (timestamp: bigint) =>
    topics.map((t) => ({
      name: t.name,
      partitions: partitions(t).map((partitionIndex) => ({ partitionIndex, timestamp })),
    }));
  const [committed, ends, starts] = await budget.run(
    Promise.all([
      admin.listConsumerGroupOffsets({
        groups: [
          {
            groupId,
            topics: topics.map((t) => ({ name: t.name, partitionIndexes: partitions(t) })),
          },
        ],
      }),
      admin.listOffsets({ topics: at(-1n) }),
      admin.listOffsets({ topics: at(-2n) }),
    ]),
    `read the offsets of group ${groupId}`,
  );
  const offset = (list: typeof ends, topic: string, p: number) =>
    Number(
      list.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === p)?.offset ??
        0,
    );
  let total = 0;
  let withOffset = 0;
  let lag = 0;
  for (const t of topics) {
    for (const p of partitions(t)) {
      total++;
      const end = offset(ends, t.name, p);
      const mine = committed[0]?.topics
        .find((x) => x.name === t.name)
        ?.partitions.find((x) => x.partitionIndex === p);
      const done = Number(mine?.committedOffset ?? -1);
      if (done >= 0) withOffset++;
      const from = done >= 0 ? done : o.fromBeginning ? offset(starts, t.name, p) : end;
      lag += Math.max(0, end - from);
    }
  }
  const start = o.fromBeginning ? 'the oldest message' : 'the end';
  const none =
    withOffset < total
      ? ` (the others start at ${start}: \`fromBeginning=${o.fromBeginning}\`)`
      : '';
  return `; committed offsets on ${withOffset} of ${total} partitions${none}, lag ${lag} messages`;
}
