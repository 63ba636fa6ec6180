import {
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:kafka';

/**
 * Kafka protocol error types (kafkajs `KafkaJSProtocolError.type`) by edgeplane code. The
 * conformance or unit test that pins a rule is named beside it (errors.test.ts covers each row).
 */
const PROTOCOL: Readonly<Record<string, ErrorCode>> = {
  // Transient: leader elections, coordinator moves, a broker restarting.
  LEADER_NOT_AVAILABLE: 'unavailable',
  NOT_LEADER_FOR_PARTITION: 'unavailable',
  FENCED_LEADER_EPOCH: 'unavailable',
  UNKNOWN_LEADER_EPOCH: 'unavailable',
  BROKER_NOT_AVAILABLE: 'unavailable',
  REPLICA_NOT_AVAILABLE: 'unavailable',
  NOT_ENOUGH_REPLICAS: 'unavailable',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'unavailable',
  COORDINATOR_NOT_AVAILABLE: 'unavailable',
  GROUP_COORDINATOR_NOT_AVAILABLE: 'unavailable',
  NOT_COORDINATOR: 'unavailable',
  NOT_COORDINATOR_FOR_GROUP: 'unavailable',
  COORDINATOR_LOAD_IN_PROGRESS: 'unavailable',
  GROUP_LOAD_IN_PROGRESS: 'unavailable',
  NETWORK_EXCEPTION: 'unavailable',
  KAFKA_STORAGE_ERROR: 'unavailable',
  OFFSET_NOT_AVAILABLE: 'unavailable',
  THROTTLING_QUOTA_EXCEEDED: 'unavailable',
  CONCURRENT_TRANSACTIONS: 'unavailable',
  // The idempotent producer's sequence state was lost (a broker restart, producer expiry): the
  // sink starts a new producer id and the loop retries the batch.
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'unavailable',
  UNKNOWN_PRODUCER_ID: 'unavailable',
  INVALID_PRODUCER_EPOCH: 'unavailable',
  REQUEST_TIMED_OUT: 'timeout',
  // Auth.
  SASL_AUTHENTICATION_FAILED: 'unauthenticated',
  ILLEGAL_SASL_STATE: 'unauthenticated',
  UNSUPPORTED_SASL_MECHANISM: 'invalid-config',
  TOPIC_AUTHORIZATION_FAILED: 'permission-denied',
  GROUP_AUTHORIZATION_FAILED: 'permission-denied',
  CLUSTER_AUTHORIZATION_FAILED: 'permission-denied',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'permission-denied',
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'permission-denied',
  // Configuration and input.
  UNKNOWN_TOPIC_OR_PARTITION: 'not-found',
  INVALID_TOPIC_EXCEPTION: 'invalid-config',
  INVALID_SESSION_TIMEOUT: 'invalid-config',
  INVALID_GROUP_ID: 'invalid-config',
  INVALID_REQUIRED_ACKS: 'invalid-config',
  POLICY_VIOLATION: 'permission-denied',
  MESSAGE_TOO_LARGE: 'too-large',
  RECORD_LIST_TOO_LARGE: 'too-large',
  INVALID_RECORD: 'invalid-input',
  CORRUPT_MESSAGE: 'protocol',
  UNSUPPORTED_VERSION: 'protocol',
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 'protocol',
  // Group membership moved on: the member must rejoin (commits for it are retried once rejoined).
  REBALANCE_IN_PROGRESS: 'conflict',
  ILLEGAL_GENERATION: 'conflict',
  UNKNOWN_MEMBER_ID: 'conflict',
  FENCED_INSTANCE_ID: 'conflict',
  OFFSET_OUT_OF_RANGE: 'invalid-input',
};

/** kafkajs error classes (by `name`) that carry no protocol type. */
const NAMES: Readonly<Record<string, ErrorCode>> = {
  KafkaJSConnectionError: 'unavailable',
  KafkaJSConnectionClosedError: 'unavailable',
  KafkaJSBrokerNotFound: 'unavailable',
  KafkaJSNoBrokerAvailableError: 'unavailable',
  KafkaJSMetadataNotLoaded: 'unavailable',
  KafkaJSTopicMetadataNotLoaded: 'unavailable',
  KafkaJSGroupCoordinatorNotFound: 'unavailable',
  KafkaJSStaleTopicMetadataAssignment: 'unavailable',
  KafkaJSRequestTimeoutError: 'timeout',
  KafkaJSTimeout: 'timeout',
  KafkaJSLockTimeout: 'timeout',
  KafkaJSSASLAuthenticationError: 'unauthenticated',
  KafkaJSServerDoesNotSupportApiKey: 'protocol',
  KafkaJSUnsupportedMagicByteInMessageSet: 'protocol',
  KafkaJSPartialMessageError: 'protocol',
  KafkaJSInvalidVarIntError: 'protocol',
  KafkaJSInvalidLongError: 'protocol',
};

/** Node socket / TLS / file errors that reach us through kafkajs or the TLS file options. */
const ERRNO: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
  ETIMEDOUT: 'unavailable',
  EPIPE: 'unavailable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unauthenticated',
  SELF_SIGNED_CERT_IN_CHAIN: 'unauthenticated',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unauthenticated',
  CERT_HAS_EXPIRED: 'unauthenticated',
  ERR_TLS_CERT_ALTNAME_INVALID: 'unauthenticated',
  ENOENT: 'invalid-config',
  EACCES: 'invalid-config',
  EISDIR: 'invalid-config',
};

const HINTS: Partial<Record<ErrorCode, string>> = {
  unavailable: 'check `brokers` and that the brokers are up; the loop retries with backoff',
  unauthenticated: 'check `saslMechanism`, `saslUsername`, `saslPassword` and the TLS settings',
  'permission-denied': 'grant this principal the ACLs on the topic and the consumer group',
  'not-found': 'create the topic, or enable `auto.create.topics.enable` on the brokers',
  'too-large':
    "lower `maxBodyBytes` / `loop.batchMaxBytes`, or raise the broker's `message.max.bytes`",
};

interface Native {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** The innermost error kafkajs wrapped (retry exhaustion and non-retriable wrappers). */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    const e = current as Native | undefined;
    if (!e || typeof e !== 'object') return current;
    if (e.name === 'KafkaJSAggregateError' && Array.isArray(e.errors) && e.errors.length > 0) {
      current = e.errors[0];
      continue;
    }
    const wrapper =
      e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError';
    const inner = e.cause ?? e.originalError;
    if (!wrapper || !inner || inner === current) return current;
    current = inner;
  }
  return current;
}

/** The edgeplane code of a native (kafkajs, Node) error. */
export function codeOf(error: unknown): ErrorCode {
  if (isEdgeplaneError(error)) return error.code;
  const e = rootCause(error) as Native | undefined;
  if (!e || typeof e !== 'object') return 'internal';
  if (typeof e.type === 'string' && PROTOCOL[e.type]) return PROTOCOL[e.type] as ErrorCode;
  if (typeof e.name === 'string' && NAMES[e.name]) return NAMES[e.name] as ErrorCode;
  if (typeof e.code === 'string' && ERRNO[e.code]) return ERRNO[e.code] as ErrorCode;
  const text = typeof e.message === 'string' ? e.message : '';
  if (/SASL .*authentication failed|Authentication failed/i.test(text)) return 'unauthenticated';
  if (e.retriable === true && typeof e.type === 'string') return 'unavailable';
  return 'internal';
}

/** Removes `secrets` from a text (a defence in depth: kafkajs messages carry none we know of). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * Maps a native error from `action` to an `EdgeplaneError`:
 * `[transport:kafka] cannot produce to "orders": Connection error: connect ECONNREFUSED ...`.
 * `secrets` are scrubbed from the text; the native error stays available as `cause`.
 */
export function kafkaError(
  error: unknown,
  action: string,
  secrets: readonly string[] = [],
): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  const code = codeOf(error);
  const root = rootCause(error) as Native | undefined;
  const type = typeof root?.type === 'string' ? root.type : undefined;
  const raw =
    root instanceof Error ? root.message : String((root as Native | undefined)?.message ?? root);
  const what = scrub(type && !raw.includes(type) ? `${raw} (${type})` : raw, secrets);
  return new EdgeplaneError(code, COMPONENT, `cannot ${action}: ${what}`, {
    cause: error,
    details: { type, name: typeof root?.name === 'string' ? root.name : undefined },
    hint: HINTS[code],
  });
}

/** True for errors that mean "the group moved on; rejoin, then commit again". */
export function isMembershipError(error: unknown): boolean {
  const e = rootCause(error) as Native | undefined;
  return (
    typeof e?.type === 'string' &&
    [
      'REBALANCE_IN_PROGRESS',
      'ILLEGAL_GENERATION',
      'UNKNOWN_MEMBER_ID',
      'NOT_COORDINATOR',
    ].includes(e.type)
  );
}

/** True for producer errors after which a new producer id is needed. */
export function isProducerStateError(error: unknown): boolean {
  const e = rootCause(error) as Native | undefined;
  return (
    typeof e?.type === 'string' &&
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'].includes(
      e.type,
    )
  );
}

/** `send` / `ack` / `open` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** A `send` whose signal was already aborted. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** An option the role needs but the configuration lacks or cannot serve. */
export function roleConfigError(option: string, detail: string): EdgeplaneError {
  return new EdgeplaneError('invalid-config', COMPONENT, detail, {
    details: { option },
    hint: 'see docs/transports/kafka.md for the options',
  });
}

/** A body over `maxBodyBytes`. */
export function tooLarge(index: number, bytes: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has a ${bytes}-byte body, over \`maxBodyBytes\` (${limit})`,
    { details: { index, bytes, limit }, hint: HINTS['too-large'] },
  );
}

/** A `receive({ from })` that is not `[<topic>/]<partition>:<offset>`. */
export function badPosition(from: string, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-input', COMPONENT, `position ${JSON.stringify(from)} ${why}`, {
    hint: 'pass a message position, `<partition>:<offset>` (or `<topic>/<partition>:<offset>`)',
  });
}

/** A state change (CRASH event, log entry) reported by kafkajs without an error object. */
export function connectionLost(text: string, secrets: readonly string[]): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `lost the connection to the brokers: ${scrub(text, secrets)}`,
    { hint: HINTS.unavailable },
  );
}
