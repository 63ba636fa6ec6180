import { ConnectionPool, Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import { clientOptions } from './client.js';
import { codeOf, kafkaError } from './errors.js';
import { sleep } from './inbox.js';
import type { ResolvedKafkaOptions } from './options.js';

/**
 * The group member's client. It only joins, heartbeats (on its own timer, whatever the fetch
 * loop does), fetches what `Fetcher` asks and commits what `Committer` asks: `autocommit` is off
 * and no stream is opened. Its operations are attempted `reconnectRetries` times (at least
 * `retries`), so a running member rides out a broker restart as the same member.
 */
export async function createConsumer(o: ResolvedKafkaOptions, groupId: string): Promise<Consumer> {
  const base = await clientOptions(o, Math.max(o.retries, o.reconnectRetries));
  return new Consumer({
    ...base,
    groupId,
    autocommit: false,
    // only `subscribe` creates a missing topic (at open): a topic deleted mid-run stays deleted
    autocreateTopics: false,
    sessionTimeout: o.sessionTimeoutMs,
    rebalanceTimeout: o.rebalanceTimeoutMs,
    heartbeatInterval: o.heartbeatIntervalMs,
    maxWaitTime: o.maxWaitTimeMs,
    maxBytesPerPartition: o.maxBytesPerPartition,
    minBytes: 1,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
}

/**
 * The connections the fetch loop uses, apart from the client's own: a broker answers one request
 * per connection at a time, so a fetch waiting up to `maxWaitTimeMs` for records would hold back
 * the commits and heartbeats queued behind it on a shared connection.
 */
export async function createFetchPool(o: ResolvedKafkaOptions): Promise<ConnectionPool> {
  return new ConnectionPool(o.clientId, await clientOptions(o));
}

/**
 * Asks the brokers for the topics' metadata, creating them where the brokers auto-create topics.
 * Fails after `retries` attempts, not `reconnectRetries`: `open()` should not wait long for brokers
 * that are not there. A topic the brokers are still creating (UNKNOWN_TOPIC_OR_PARTITION until it
 * exists) is asked for again, with backoff, up to `retries` times.
 */
export async function subscribe(
  consumer: Consumer,
  topics: string[],
  o: ResolvedKafkaOptions,
  signal: AbortSignal,
  secrets: readonly string[],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await consumer.metadata({ topics, autocreateTopics: true, retries: o.retries });
      consumer.topics.trackAll(...topics);
      return;
    } catch (error) {
      const mapped = kafkaError(error, `subscribe to ${topics.join(', ')}`, secrets);
      if (codeOf(error) !== 'not-found' || attempt >= o.retries || signal.aborted) throw mapped;
      await sleep(Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** attempt), signal);
    }
  }
}
