import { type KafkaTestServer, kafkaServer, uniqueName } from '@edgeplane/test-servers';
import kafkajs, { type Kafka } from 'kafkajs';

/** Settings that keep tests fast: short fetch waits and group timeouts. */
export const FAST = {
  maxWaitTimeMs: 100,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
} as const;

/** A kafkajs client for test setup and checks (silent). */
export function testClient(brokers: readonly string[]): Kafka {
  return new kafkajs.Kafka({
    clientId: 'edgeplane-kafka-tests',
    brokers: [...brokers],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000, factor: 0.2, multiplier: 2 },
  });
}

/** Topics and groups a test file made, deleted when its server handle stops. */
export class Created {
  readonly topics: Set<string> = new Set<string>();
  readonly groups: Set<string> = new Set<string>();

  /** A fresh name (lower-case, digits, dashes), recorded as both a topic and a group. */
  name(prefix = 'ep-kafka'): string {
    const name = uniqueName(prefix);
    this.add(name);
    return name;
  }

  add(name: string): void {
    this.topics.add(name);
    this.groups.add(name);
  }

  async cleanup(brokers: readonly string[]): Promise<void> {
    const admin = testClient(brokers).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = [...this.topics].filter((t) => existing.has(t));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      const ours = groups.filter((g) => this.groups.has(g));
      if (ours.length > 0) await admin.deleteGroups(ours).catch(() => {});
    } finally {
      this.topics.clear();
      this.groups.clear();
      await admin.disconnect().catch(() => {});
    }
  }
}

/** The shared broker (started or reused by test-servers); `stop()` deletes what `created` holds. */
export function kafkaWithCleanup(created: Created): () => Promise<KafkaTestServer> {
  return async () => {
    const server = await kafkaServer()();
    return {
      ...server,
      stop: async () => {
        await created.cleanup(server.brokers);
        await server.stop();
      },
    };
  };
}

/** Creates `topic` with `partitions` partitions (replication 1). */
export async function createTopic(
  brokers: readonly string[],
  topic: string,
  partitions: number,
): Promise<void> {
  const admin = testClient(brokers).admin();
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Produces `bodies` to `topic` in batches of `batch` (acks=-1), optionally to one partition each. */
export async function produce(
  brokers: readonly string[],
  topic: string,
  bodies: readonly string[],
  options: { batch?: number; partitionOf?: (i: number) => number } = {},
): Promise<void> {
  const producer = testClient(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
  const batch = options.batch ?? 5000;
  try {
    await producer.connect();
    for (let i = 0; i < bodies.length; i += batch) {
      const messages = bodies.slice(i, i + batch).map((value, j) => ({
        value,
        partition: options.partitionOf?.(i + j),
      }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The group's committed offsets summed over the topic's partitions (-1 counts as 0). */
export async function committedTotal(
  brokers: readonly string[],
  groupId: string,
  topic: string,
): Promise<number> {
  const admin = testClient(brokers).admin();
  try {
    await admin.connect();
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces numbered messages in the background (`batch` every `everyMs`) until `stop()`, riding
 * out broker outages (a failed batch is sent again). `stop()` resolves the bodies acknowledged.
 */
export class Feeder {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly acked: string[] = [];
  private next = 0;

  constructor(
    private readonly brokers: readonly string[],
    private readonly topic: string,
    private readonly options: { batch: number; everyMs: number; prefix?: string },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.feed();
  }

  private async feed(): Promise<void> {
    const producer = testClient(this.brokers).producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const prefix = this.options.prefix ?? 'feed';
    while (this.running) {
      const bodies = Array.from(
        { length: this.options.batch },
        (_, i) => `${prefix} ${String(this.next + i).padStart(8, '0')}`,
      );
      try {
        await producer.send({
          topic: this.topic,
          acks: -1,
          messages: bodies.map((value) => ({ value })),
        });
        this.acked.push(...bodies);
        this.next += bodies.length;
      } catch {
        // the broker is away: send the same batch again (idempotent: no duplicates)
      }
      await new Promise((r) => setTimeout(r, this.options.everyMs));
    }
    await producer.disconnect().catch(() => {});
  }

  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    return this.acked;
  }
}
