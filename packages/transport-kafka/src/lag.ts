import type { LagReading } from '@edgeplane/adapter-loop/transport';
import type { Admin, Kafka } from 'kafkajs';
import { kafkaError } from './errors.js';
import { within } from './inbox.js';
import { type ResolvedKafkaOptions, sourceTopics } from './options.js';

/** Longest `lag()` waits for a refresh before answering with the last reading. */
const WAIT_MS = 250;

/**
 * The group's lag: per partition, the high watermark minus the group's committed offset (or
 * minus the low watermark when nothing is committed and `fromBeginning`), summed over the topics'
 * partitions. Read with an admin client at most every `lagIntervalMs`, in the background: `lag()`
 * never makes the loop's snapshot timer wait on the brokers. `null` when unknown (no group, or
 * the last refresh failed).
 */
export class LagReader {
  private admin: Admin | undefined;
  private value: number | null = null;
  private at = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private closed = false;
  /** Why the last refresh failed, if it did. */
  lastError: Error | undefined;

  constructor(
    private readonly options: ResolvedKafkaOptions,
    private readonly client: () => Promise<Kafka>,
  ) {}

  async read(): Promise<LagReading> {
    if (!this.options.groupId || this.closed) return { lag: null };
    if (!this.refreshing && Date.now() - this.at >= this.options.lagIntervalMs) {
      this.at = Date.now();
      this.refreshing = this.refresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    if (this.refreshing) await within(this.refreshing, WAIT_MS);
    return { lag: this.value };
  }

  private async refresh(): Promise<void> {
    const groupId = this.options.groupId as string;
    try {
      if (!this.admin) {
        const admin = (await this.client()).admin({
          retry: { retries: 0, initialRetryTime: 100, maxRetryTime: 100, factor: 0, multiplier: 1 },
        });
        await admin.connect();
        this.admin = admin;
      }
      const topics = sourceTopics(this.options);
      const committed = await this.admin.fetchOffsets({ groupId, topics });
      let total = 0;
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          const high = Number(end.high);
          const offset = Number(group.find((g) => g.partition === end.partition)?.offset ?? -1);
          const from = offset >= 0 ? offset : this.options.fromBeginning ? Number(end.low) : high;
          total += Math.max(0, high - from);
        }
      }
      this.value = total;
      this.lastError = undefined;
    } catch (error) {
      this.value = null;
      this.lastError = kafkaError(error, `read the lag of group ${groupId}`);
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refreshing?.catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.admin = undefined;
  }
}
