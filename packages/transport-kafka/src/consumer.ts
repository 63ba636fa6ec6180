import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import { retryPolicy } from './client.js';
import { kafkaError } from './errors.js';
import { sleep } from './inbox.js';
import type { ResolvedKafkaOptions } from './options.js';

/** kafkajs consumer settings from the options; `restart` decides restarts after a crash. */
export function consumerConfig(
  o: ResolvedKafkaOptions,
  groupId: string,
  restart: () => boolean,
): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: o.sessionTimeoutMs,
    rebalanceTimeout: o.rebalanceTimeoutMs,
    heartbeatInterval: o.heartbeatIntervalMs,
    maxWaitTimeInMs: o.maxWaitTimeMs,
    maxBytesPerPartition: o.maxBytesPerPartition,
    retry: {
      ...retryPolicy(o, Math.max(o.retries, o.reconnectRetries)),
      restartOnFailure: async () => restart(),
    },
  };
}

/**
 * Fails fast (after `retries`, not `reconnectRetries`) when no broker answers: the consumer's
 * own client keeps trying much longer, which suits a running member, not `open()`.
 */
export async function assertReachable(
  client: Kafka,
  o: ResolvedKafkaOptions,
  secrets: readonly string[],
): Promise<void> {
  const admin = client.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw kafkaError(error, `reach the brokers ${o.brokers.join(',')}`, secrets);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Subscribes. A topic the brokers are still creating (auto-creation on the metadata request
 * answers UNKNOWN_TOPIC_OR_PARTITION until it exists) is asked for again, with backoff, up to
 * `retries` times: kafkajs retries only LEADER_NOT_AVAILABLE there.
 */
export async function subscribe(
  consumer: Consumer,
  topics: string[],
  o: ResolvedKafkaOptions,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await consumer.subscribe({ topics, fromBeginning: o.fromBeginning });
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= o.retries) throw error;
      await sleep(Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** attempt), signal);
      if (signal.aborted) throw error;
    }
  }
}
