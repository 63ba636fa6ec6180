import type { LagReading } from '@edgeplane/adapter-loop/transport';
import { Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import { clientOptions } from './client.js';
import { kafkaError } from './errors.js';
import { within } from './inbox.js';
import { type ResolvedKafkaOptions, sourceTopics } from './options.js';

/** Longest `lag()` waits for a refresh before answering with the last reading. */
const WAIT_MS = 250;

/**
 * The group's lag: per partition, the high watermark minus the group's committed offset (or
 * minus the low watermark when nothing is committed and `fromBeginning`), summed over the topics'
 * partitions. Read with a client of its own (it never joins the group) at most every `lagIntervalMs`, in the background: `lag()`
 * never makes the loop's snapshot timer wait on the brokers. `null` when unknown (no group, or
 * the last refresh failed).
 */
export class LagReader {
  private admin: Consumer | undefined;
  private value: number | null = null;
  private at = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private closed = false;
  /** Why the last refresh failed, if it did. */
  lastError: Error | undefined;

  constructor(private readonly options: ResolvedKafkaOptions) {}

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
      this.admin ??= new Consumer({ ...(await clientOptions(this.options, 0)), groupId });
      const topics = sourceTopics(this.options);
      const [high, low] = await Promise.all([
        this.admin.listOffsets({ topics, timestamp: ListOffsetTimestamps.LATEST }),
        this.admin.listOffsets({ topics, timestamp: ListOffsetTimestamps.EARLIEST }),
      ]);
      const committed = await this.admin.listCommittedOffsets({
        topics: topics.map((topic) => ({
          topic,
          partitions: (high.get(topic) ?? []).map((_, partition) => partition),
        })),
      });
      let total = 0;
      for (const topic of topics) {
        const ends = high.get(topic) ?? [];
        for (let p = 0; p < ends.length; p++) {
          const end = Number(ends[p] ?? 0);
          const offset = Number(committed.get(topic)?.[p] ?? -1);
          const start = Number(low.get(topic)?.[p] ?? 0);
          const from = offset >= 0 ? offset : this.options.fromBeginning ? start : end;
          total += Math.max(0, end - from);
        }
      }
      this.value = total;
      this.lastError = undefined;
    } catch (error) {
      this.value = null;
      this.lastError = kafkaError(error, `read the lag of group ${groupId}`);
      const admin = this.admin;
      this.admin = undefined;
      await admin?.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refreshing?.catch(() => {});
    await this.admin?.close().catch(() => {});
    this.admin = undefined;
  }
}
