import type { CheckRun } from '@edgeplane/adapter-loop/transport';
import {
  type CheckContext,
  checkFailed,
  checkResult,
  type EdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import type { ConsumerInfo, JetStreamManager, StreamInfo } from 'nats';
import type { Connection } from './connection.js';
import {
  COMPONENT,
  jetStreamDisabled,
  missingOption,
  natsError,
  subjectNotInStream,
} from './errors.js';
import type { ResolvedNatsOptions } from './options.js';
import { isConsumerNotFound, isStreamNotFound } from './setup.js';

/**
 * Does subject `pattern` (a stream's subject, with `*` / `>`) take every subject `subject` (a
 * literal, or a consumer filter with wildcards) stands for?
 */
export function subjectCovers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || s[i] === '>') return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** The connection's own refusal (a permissions violation on `$JS.API`), else `error` mapped. */
function mapped(c: Connection, error: unknown, action: string): EdgeplaneError {
  return c.failure ?? natsError(error, action);
}

const WILL_CREATE =
  'nothing to do if that is intended; otherwise create it beforehand, or fix the name';

/**
 * The JetStream checks: the account has JetStream, the stream exists (or `createStream` will
 * create it), it takes `subject`, and an ingress's durable consumer exists (or `createConsumer`
 * will create it), with its pending count. Reads only.
 */
export async function checkJetStream(
  run: CheckRun,
  c: Connection,
  o: ResolvedNatsOptions,
  role: CheckContext['role'],
): Promise<void> {
  const stream = o.stream as string;
  const timeout = o.requestTimeoutMs;
  let at = performance.now();
  let jsm: JetStreamManager;
  try {
    jsm = await run.race(c.nc.jetstreamManager({ timeout }), 'cannot use JetStream');
    const a = await run.race(jsm.getAccountInfo(), 'cannot read the JetStream account');
    const detail = `enabled for the account: ${a.streams} streams, ${a.consumers} consumers`;
    run.add(checkResult('jetstream', 'ok', detail, { startedAt: at }));
  } catch (error) {
    const e = (error as { code?: unknown }).code === '503' ? jetStreamDisabled() : error;
    run.add(checkFailed('jetstream', mapped(c, e, 'cannot use JetStream'), COMPONENT));
    return;
  }
  at = performance.now();
  let info: StreamInfo | undefined;
  try {
    info = await run.race(jsm.streams.info(stream), `cannot use stream ${stream}`);
    const n = info.state.messages;
    run.add(
      checkResult('stream', 'ok', `stream ${stream} exists (${n} messages)`, { startedAt: at }),
    );
  } catch (error) {
    if (!isStreamNotFound(error) || !o.createStream) {
      run.add(checkFailed('stream', mapped(c, error, `cannot use stream ${stream}`), COMPONENT));
      return;
    }
    const detail = `stream ${stream} does not exist: \`createStream=true\` creates it on the first open`;
    run.add(checkResult('stream', 'warn', detail, { fix: WILL_CREATE, startedAt: at }));
  }
  const subjects = info ? (info.config.subjects ?? []) : (o.streamSubjects ?? [o.subject]);
  if (subjects.some((s) => subjectCovers(s, o.subject))) {
    const taken = `stream ${stream} takes subject ${o.subject} (its subjects: ${subjects.join(', ')})`;
    run.add(checkResult('subject', 'ok', taken));
  } else {
    const fix = info
      ? `set \`subject\` to one the stream takes, or add ${o.subject} to the stream's subjects`
      : `add ${o.subject} to \`streamSubjects\`, or fix \`subject\``;
    run.add(
      checkFailed('subject', subjectNotInStream(o.subject, stream, subjects), COMPONENT, { fix }),
    );
  }
  if (role === 'ingress') await checkConsumer(run, c, jsm, o, info ? subjects : undefined);
}

async function checkConsumer(
  run: CheckRun,
  c: Connection,
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  /** The subjects of the stream, undefined when it does not exist yet. */
  streamSubjects: readonly string[] | undefined,
): Promise<void> {
  const stream = o.stream as string;
  const durable = o.durable;
  if (durable === undefined) {
    const e = missingOption('durable', 'a JetStream source reads through a durable pull consumer');
    run.add(checkFailed('consumer', e, COMPONENT));
    return;
  }
  const action = `cannot use consumer ${durable} of stream ${stream}`;
  const at = performance.now();
  let consumer: ConsumerInfo | undefined;
  let missing: unknown;
  try {
    if (streamSubjects) consumer = await run.race(jsm.consumers.info(stream, durable), action);
    // A stream created on the first open has no consumers yet.
    else missing = { api_error: { err_code: 10014, code: 404 } };
  } catch (error) {
    if (!isConsumerNotFound(error)) {
      run.add(checkFailed('consumer', mapped(c, error, action), COMPONENT));
      return;
    }
    missing = error;
  }
  if (!consumer) {
    if (!o.createConsumer) {
      run.add(checkFailed('consumer', natsError(missing, action), COMPONENT, { startedAt: at }));
      return;
    }
    const detail = `durable ${durable} does not exist: \`createConsumer=true\` creates it on the first open (deliverPolicy=${o.deliverPolicy})`;
    run.add(checkResult('consumer', 'warn', detail, { fix: WILL_CREATE, startedAt: at }));
    return;
  }
  const lag = consumer.num_pending + consumer.num_ack_pending;
  const counts = `${consumer.num_pending} not yet delivered, ${consumer.num_ack_pending} unacknowledged (lag ${lag})`;
  // What it delivers: its filter(s), or without one the whole stream.
  const { filter_subject, filter_subjects } = consumer.config;
  const filters = filter_subjects?.length
    ? filter_subjects
    : filter_subject
      ? [filter_subject]
      : (streamSubjects ?? []);
  if (filters.length !== 1 || filters[0] !== o.subject) {
    const detail = `durable ${durable} exists (${counts}) but filters ${filters.join(', ')}, not \`subject\` ${o.subject}`;
    const fix = `it delivers what its own filter says: set \`subject\` to ${filters.join(', ')}, or use another \`durable\``;
    run.add(checkResult('consumer', 'warn', detail, { fix, startedAt: at }));
    return;
  }
  run.add(checkResult('consumer', 'ok', `durable ${durable} exists: ${counts}`, { startedAt: at }));
}
