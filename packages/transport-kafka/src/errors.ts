import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import { findErrorBy, TimeoutError } from '@platformatic/kafka';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:kafka';

/**
 * Kafka protocol errors by their name (`apiId` of @platformatic/kafka's `ProtocolError`, the
 * broker's error code as named by the protocol) and edgeplane code. errors.test.ts covers each
 * group; the conformance or integration test that pins a rule is named beside it.
 */
const PROTOCOL: Readonly<Record<string, ErrorCode>> = {
  // Transient: leader elections, coordinator moves, a broker restarting (restart.test.ts).
  LEADER_NOT_AVAILABLE: 'unavailable',
  NOT_LEADER_OR_FOLLOWER: 'unavailable',
  FENCED_LEADER_EPOCH: 'unavailable',
  UNKNOWN_LEADER_EPOCH: 'unavailable',
  BROKER_NOT_AVAILABLE: 'unavailable',
  REPLICA_NOT_AVAILABLE: 'unavailable',
  NOT_ENOUGH_REPLICAS: 'unavailable',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'unavailable',
  COORDINATOR_NOT_AVAILABLE: 'unavailable',
  NOT_COORDINATOR: 'unavailable',
  COORDINATOR_LOAD_IN_PROGRESS: 'unavailable',
  NETWORK_EXCEPTION: 'unavailable',
  KAFKA_STORAGE_ERROR: 'unavailable',
  OFFSET_NOT_AVAILABLE: 'unavailable',
  THROTTLING_QUOTA_EXCEEDED: 'unavailable',
  CONCURRENT_TRANSACTIONS: 'unavailable',
  // The idempotent producer's sequence state was lost (a broker restart, producer expiry): the
  // client starts a new producer id and the loop retries the batch.
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'unavailable',
  UNKNOWN_PRODUCER_ID: 'unavailable',
  INVALID_PRODUCER_EPOCH: 'unavailable',
  PRODUCER_FENCED: 'unavailable',
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
  UNKNOWN_TOPIC_ID: 'not-found',
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

/**
 * @platformatic/kafka error codes (`PLT_KFK_*`) that carry no protocol error. Its `TimeoutError`
 * carries the network code (`PLT_KFK_NETWORK`), so a timeout is told apart by its class (below).
 */
const CLIENT: Readonly<Record<string, ErrorCode>> = {
  PLT_KFK_NETWORK: 'unavailable',
  PLT_KFK_TIMEOUT: 'timeout',
  PLT_KFK_AUTHENTICATION: 'unauthenticated',
  PLT_KFK_UNSUPPORTED_API: 'protocol',
  PLT_KFK_UNSUPPORTED_FORMAT: 'protocol',
  PLT_KFK_UNSUPPORTED_COMPRESSION: 'protocol',
  PLT_KFK_UNEXPECTED_CORRELATION_ID: 'protocol',
  PLT_KFK_PROTOCOL: 'protocol',
  PLT_KFK_OUT_OF_BOUNDS: 'protocol',
};

/** Node socket / TLS / file errors that reach us as the `cause` of a network error, or directly. */
const ERRNO: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
  ETIMEDOUT: 'unavailable',
  EPIPE: 'unavailable',
  // certificate problems are `tls` (classifyTlsError, first in `codeOf` and `kafkaError`)
  ENOENT: 'invalid-config',
  EACCES: 'invalid-config',
  EISDIR: 'invalid-config',
};

const HINTS: Partial<Record<ErrorCode, string>> = {
  unavailable:
    'check `brokers` and that the brokers are up (a running loop retries with backoff; opening gives up after `retries` attempts)',
  unauthenticated:
    'the brokers refused the credentials: fix `saslPassword` (or `saslUsername`, `saslMechanism`, `saslOauthBearerToken`) and restart',
  'permission-denied':
    'grant the principal of `saslUsername` the ACLs on the topic and the consumer group (or set `saslUsername` / `saslPassword` to one that has them)',
  'not-found': 'create the topic, or enable `auto.create.topics.enable` on the brokers',
  'too-large':
    "lower `maxBodyBytes` / `loop.batchMaxBytes`, or raise the broker's `message.max.bytes`",
};

interface Native {
  code?: unknown;
  apiId?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const WRAPPERS = new Set(['PLT_KFK_MULTIPLE', 'PLT_KFK_RESPONSE']);

/**
 * The error that says what went wrong. @platformatic/kafka wraps retries (`MultipleErrors`, "…
 * failed 3 times": the last attempt counts) and broker responses (`ResponseError`: the first
 * protocol error counts).
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    const e = current as Native | undefined;
    if (!e || typeof e !== 'object' || !WRAPPERS.has(e.code as string)) return current;
    const inner = Array.isArray(e.errors) ? e.errors.filter(Boolean) : [];
    if (inner.length === 0) return current;
    current = e.code === 'PLT_KFK_RESPONSE' ? inner[0] : inner[inner.length - 1];
  }
  return current;
}

/** A Node errno / TLS code on `error` or its causes (a network error's socket error). */
function errnoOf(error: unknown): ErrorCode | undefined {
  let e = error as Native | undefined;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    if (typeof e.code === 'string' && ERRNO[e.code]) return ERRNO[e.code];
    e = e.cause as Native | undefined;
  }
  return undefined;
}

/**
 * A connection the client gave up on because of the settings, not the network: inside its
 * network error, an `AuthenticationError` (SASL handshake or authentication refused, e.g. SASL
 * against a listener without it) or a `UserError` (TLS against a plaintext listener, an unknown
 * SASL mechanism). Both are permanent: retrying cannot help (pinned by errors.test.ts).
 */
function connectRefusal(error: Native): ErrorCode | undefined {
  if (error.code !== 'PLT_KFK_NETWORK') return undefined;
  let e = error.cause as Native | undefined;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    if (e.code === 'PLT_KFK_AUTHENTICATION') return 'unauthenticated';
    if (e.code === 'PLT_KFK_USER') return 'invalid-config';
    e = e.cause as Native | undefined;
  }
  return undefined;
}

/** The edgeplane code of a native (@platformatic/kafka, Node) error. */
export function codeOf(error: unknown): ErrorCode {
  if (isEdgeplaneError(error)) return error.code;
  // a certificate problem anywhere in the chain (the client wraps the socket's error; retries
  // wrap that): `tls`, permanent (pinned by apps/edgeplane/test/tls/kafka.test.ts)
  if (classifyTlsError(error, { component: COMPONENT })) return 'tls';
  const e = rootCause(error) as Native | undefined;
  if (!e || typeof e !== 'object') return 'internal';
  if (typeof e.apiId === 'string') return PROTOCOL[e.apiId] ?? 'internal';
  // its request timeouts are `TimeoutError`s with the network code: only the class tells them apart
  if (e instanceof TimeoutError) return 'timeout';
  const errno = errnoOf(e);
  if (errno && errno !== 'unavailable') return errno; // a certificate or file problem says it all
  const refused = connectRefusal(e);
  if (refused) return refused;
  if (errno) return errno;
  if (typeof e.code === 'string' && CLIENT[e.code]) return CLIENT[e.code] as ErrorCode;
  return 'internal';
}

/** Removes `secrets` from a text (a defence in depth: client messages carry none we know of). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('[redacted]');
  return out;
}

/** The root's message, followed by its cause's (a network error names the socket error there). */
function describe(root: Native | undefined): string {
  if (!root || typeof root !== 'object') return String(root);
  const own = String(root.message ?? root);
  const cause = root.cause as Native | undefined;
  const inner = cause && typeof cause === 'object' ? String(cause.message ?? '') : '';
  return inner && !own.includes(inner) ? `${own.replace(/\.$/, '')}: ${inner}` : own;
}

/**
 * Maps a native error from `action` to an `EdgeplaneError`:
 * `[transport:kafka] cannot produce to "orders": Connection to 127.0.0.1:9092 failed: connect ECONNREFUSED ...`.
 * `secrets` are scrubbed from the text; the native error stays available as `cause`.
 */
export function kafkaError(
  error: unknown,
  action: string,
  secrets: readonly string[] = [],
  server?: string,
): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // TLS first: the option to fix, not the client's "connection failed" (pinned by the CLI TLS
  // cases in apps/edgeplane/test/tls/kafka.test.ts)
  const tls = classifyTlsError(error, { component: COMPONENT, ...(server ? { server } : {}) });
  if (tls) return tls;
  const code = codeOf(error);
  const root = rootCause(error) as Native | undefined;
  const type = typeof root?.apiId === 'string' ? root.apiId : undefined;
  const raw = describe(root);
  const what = scrub(type && !raw.includes(type) ? `${raw} (${type})` : raw, secrets);
  return new EdgeplaneError(code, COMPONENT, `cannot ${action}: ${what}`, {
    cause: error,
    details: { type, name: typeof root?.code === 'string' ? root.code : undefined },
    hint:
      root && typeof root === 'object' && connectRefusal(root) === 'invalid-config'
        ? "check `tls` and the SASL options against the brokers' listener (TLS or plaintext, SASL or not)"
        : code === 'unauthenticated' && root && typeof root === 'object' && connectRefusal(root)
          ? 'the brokers refused the credentials: fix `saslPassword` (or `saslUsername`, `saslMechanism`); if the listener has no SASL, check `tls` and the SASL options against it'
          : HINTS[code],
  });
}

/**
 * A client certificate refused when none was given (Kafka answers a missing one with the alert
 * `bad_certificate`, as it does a wrong one): the hint says to give one.
 */
export function noClientCertificate(error: EdgeplaneError, given: boolean): EdgeplaneError {
  if (given || error.code !== 'tls' || error.details?.option !== 'tlsCertFile') return error;
  return new EdgeplaneError(
    'tls',
    COMPONENT,
    error.detail.replace('refused the client certificate', 'requires a client certificate'),
    {
      cause: error.cause,
      details: error.details,
      hint: 'the brokers require mutual TLS: set tlsCertFile and tlsKeyFile (and tlsKeyPassphrase for an encrypted key)',
    },
  );
}

/** True for errors that mean "the group moved on; rejoin, then commit again" (client's flag). */
export function isMembershipError(error: unknown): boolean {
  return error instanceof Error && findErrorBy(error, 'needsRejoin', true) !== null;
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

/** The group assigned nothing within the join deadline of `open()`. */
export function joinTimeout(groupId: string): EdgeplaneError {
  return new EdgeplaneError(
    'timeout',
    COMPONENT,
    `cannot join the group ${groupId}: no assignment in time`,
    {
      hint: "check that the group's other members are healthy; `rebalanceTimeoutMs` bounds the wait",
    },
  );
}

/**
 * A lost or refused broker connection (a client event), naming the last error that connection
 * reported, the cause: `lost the connection to the brokers: cannot connect to 127.0.0.1:9092
 * (last error: connect ECONNREFUSED 127.0.0.1:9092)`.
 */
export function connectionLost(
  text: string,
  secrets: readonly string[],
  last?: unknown,
): EdgeplaneError {
  const cause = last === undefined ? '' : ` (last error: ${describe(rootCause(last) as Native)})`;
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `lost the connection to the brokers: ${scrub(text + cause, secrets)}`,
    { cause: last, hint: HINTS.unavailable },
  );
}

/**
 * True when `error` says a topic is unknown to the brokers: UNKNOWN_TOPIC_OR_PARTITION,
 * UNKNOWN_TOPIC_ID, or the client's own `UserError` for a metadata request that found no such
 * topic (it keeps no protocol error: its message, fixed by the pinned client, is the only
 * record; pinned by faults.test.ts "topic deleted mid-run").
 */
export function isUnknownTopic(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (findErrorBy(error, 'apiId', 'UNKNOWN_TOPIC_OR_PARTITION')) return true;
  if (findErrorBy(error, 'apiId', 'UNKNOWN_TOPIC_ID')) return true;
  const user = findErrorBy(error, 'code', 'PLT_KFK_USER');
  return user !== null && /^Unknown topic /.test(user.message);
}

/**
 * A topic deleted mid-run (gone, or replaced by a new topic of the same name: its topic id
 * changed): permanent. Its records and the group's committed offsets went with it, so reading
 * on would restart the new topic from `fromBeginning` as if nothing happened, and producing on
 * would write into a topic created behind the operator's back.
 */
export function topicDeleted(
  topic: string,
  how: string,
  role: 'ingress' | 'egress',
  acknowledged?: string,
): EdgeplaneError {
  const doing = role === 'egress' ? 'producing to it' : 'reading it';
  const last = acknowledged ? `; last acknowledged: ${acknowledged}` : '';
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `topic "${topic}" was deleted on the brokers while this lane was ${doing} (${how})${last}`,
    {
      details: { topic, acknowledged },
      hint:
        role === 'egress'
          ? 'recreate the topic, then run again (a missing topic is created only when the transport opens, where the brokers allow it)'
          : "the topic's records and the group's committed offsets for it are gone: recreate the topic if needed, then run again; the group then starts where `fromBeginning` says, as a new group would",
    },
  );
}

/** Codes of a produce refusal that concerns the records sent, not the connection or the topic. */
const POISON = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
]);

/**
 * Operations the principal lacks (`doctor`'s `permissions` check, from the authorized operations
 * the brokers report): `the principal lacks WRITE on topic "orders"`.
 */
export function permissionsMissing(missing: readonly string[], user?: string): EdgeplaneError {
  const who = user === undefined ? 'the principal' : `user "${user}"`;
  return new EdgeplaneError('permission-denied', COMPONENT, `${who} lacks ${missing.join(', ')}`, {
    details: { missing },
    hint: HINTS['permission-denied'],
  });
}

/** True when the brokers refused a produce for the content of its records (see `POISON`). */
export function isPoison(error: unknown): boolean {
  const root = rootCause(error) as Native | undefined;
  return typeof root?.apiId === 'string' && POISON.has(root.apiId);
}

/** A record the brokers refused alone (a `RejectedMessage` error): `too-large` or `invalid-input`. */
export function refusedRecord(
  error: unknown,
  index: number,
  topic: string,
  secrets: readonly string[],
): EdgeplaneError {
  const mapped = kafkaError(error, `produce message ${index} of the batch to "${topic}"`, secrets);
  // CORRUPT_MESSAGE for one record is that record's content: a poison message, not a protocol bug
  const code: ErrorCode = mapped.code === 'too-large' ? 'too-large' : 'invalid-input';
  return new EdgeplaneError(code, COMPONENT, mapped.detail, {
    cause: error,
    details: { ...(mapped.details as object), index },
    hint:
      code === 'too-large'
        ? "the topic's `max.message.bytes` (or the broker's `message.max.bytes`) is below this record: raise it, or lower `maxBodyBytes` so the transport rejects such records itself"
        : 'the brokers refused this record (e.g. a compacted topic needs a key): see the message',
  });
}

/** `open()` whose `context.signal` aborted before it was ready. */
export function openCancelled(what: string): EdgeplaneError {
  return new EdgeplaneError(
    'cancelled',
    COMPONENT,
    `open cancelled while ${what}: the signal was aborted`,
  );
}

/**
 * `promise`, or a rejection with `openCancelled(what)` as soon as `signal` aborts (the work goes
 * on in the background; its owner cleans up when it sees the signal).
 */
export function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(openCancelled(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(openCancelled(what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
