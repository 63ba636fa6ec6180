import type { CheckBudget } from '@edgeplane/adapter-loop/transport';
import { checkFailed, checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import type { DeclareConsumerParams } from 'rabbitmq-stream-js-client';
import { streamClient } from './client.js';
import { StreamProtocolError } from './compat.js';
import { COMPONENT, missingOption, storeOffsetRefused, streamError } from './errors.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import type { Session } from './session.js';

/**
 * The RabbitMQ releases this transport was tested against (`major.minor`, inclusive): the
 * machine's broker, 3.10.8 (see docs/transports/rabbitmq-streams.md). Widen it when a release has
 * been run here.
 */
export const TESTED_RABBITMQ = { from: '3.10', to: '3.10' } as const;

const OK = 0x01;
const STREAM_DOES_NOT_EXIST = 0x02;
const STREAM_NOT_AVAILABLE = 0x06;
const rank = (v: string) => {
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major * 1000 + minor;
};

/** `server-version`: the broker's `version` peer property, `ok` within `TESTED_RABBITMQ`. */
export function serverVersionCheck(version: string): TransportCheck {
  const tested =
    TESTED_RABBITMQ.from === TESTED_RABBITMQ.to
      ? TESTED_RABBITMQ.from
      : `${TESTED_RABBITMQ.from}-${TESTED_RABBITMQ.to}`;
  const r = rank(version);
  if (/^\d+\.\d+/.test(version) && r >= rank(TESTED_RABBITMQ.from) && r <= rank(TESTED_RABBITMQ.to))
    return checkResult('server-version', 'ok', `RabbitMQ ${version}, tested`);
  return checkResult(
    'server-version',
    'warn',
    `RabbitMQ ${version || '(no version sent)'}: outside the tested ${tested}`,
    {
      fix: `this transport was tested with RabbitMQ ${tested}: run the lane against this broker in a test setup first`,
    },
  );
}

/** `stream`: exists (leader, replicas), or will be created at open (`createStream`), or fails. */
export async function streamCheck(
  session: Session,
  o: ResolvedRabbitmqStreamsOptions,
  budget: CheckBudget,
): Promise<{ check: TransportCheck; exists: boolean }> {
  const startedAt = performance.now();
  const [meta] = await budget.run(
    session.request('query the stream', (c) => c.queryMetadata({ streams: [o.stream] })),
    `query stream "${o.stream}"`,
  );
  const name = `stream "${o.stream}"`;
  const code = meta?.responseCode ?? STREAM_DOES_NOT_EXIST;
  if (code === OK) {
    const leader = meta?.leader ? `leader ${meta.leader.host}:${meta.leader.port}` : 'no leader';
    const replicas = meta?.replicas?.length ?? 0;
    const detail = `${name} exists (${leader}, ${replicas} replica${replicas === 1 ? '' : 's'})`;
    return { check: checkResult('stream', 'ok', detail, { startedAt }), exists: true };
  }
  if (code === STREAM_DOES_NOT_EXIST && o.createStream)
    return {
      check: checkResult(
        'stream',
        'warn',
        `${name} does not exist: it is created at open (\`createStream=true\`)`,
        {
          fix: 'create it with the retention the lane needs, or let open() create it (with `streamMaxLengthBytes` / `streamMaxAge` when set, else the broker defaults)',
          startedAt,
        },
      ),
      exists: false,
    };
  if (code === STREAM_NOT_AVAILABLE)
    return {
      check: checkResult(
        'stream',
        'warn',
        `${name} exists but is not available (its leader is moving, or the broker is booting)`,
        {
          fix: 'run doctor again in a moment; check the broker if it stays so',
          startedAt,
        },
      ),
      exists: true,
    };
  const error = streamError(
    new StreamProtocolError(`metadata response code ${code}`, code),
    `open ${name}`,
    session.target.where,
  );
  return { check: checkFailed('stream', error, COMPONENT, { startedAt }), exists: false };
}

/**
 * `consumer-offset` (ingress): the offset stored under `consumerName` (QueryOffset: a read), or
 * none yet, where the consumer then starts (`offset`). Nothing is stored.
 */
export async function offsetCheck(
  session: Session,
  o: ResolvedRabbitmqStreamsOptions,
  exists: boolean,
  budget: CheckBudget,
): Promise<TransportCheck> {
  const startedAt = performance.now();
  const name = o.consumerName;
  if (name === undefined)
    return checkFailed(
      'consumer-offset',
      missingOption(
        'consumerName',
        'an ingress stores its acknowledged offset on the broker under it',
      ),
      COMPONENT,
    );
  const start = `starts at \`offset=${o.offset}\``;
  if (!exists)
    return checkResult(
      'consumer-offset',
      'ok',
      `no offset stored for "${name}" (the stream does not exist yet): ${start}`,
    );
  try {
    const stored = await budget.run(session.queryOffset(name), `query the offset of "${name}"`);
    const detail =
      stored === undefined
        ? `no offset stored for "${name}" yet: ${start}`
        : `offset ${stored} stored for "${name}": resumes at ${stored + 1n}`;
    return checkResult('consumer-offset', 'ok', detail, { startedAt });
  } catch (error) {
    return checkFailed('consumer-offset', error, COMPONENT, { startedAt });
  }
}

/** Credits for nothing: a subscription that is granted but receives no chunk. */
const NO_CREDIT = {
  onSubscription: () => 0,
  onChunkReceived: async () => {},
  onChunkCompleted: async () => {},
  requestCredits: async () => {},
} as unknown as DeclareConsumerParams['creditPolicy'];

/**
 * `permissions`: what the broker grants, tried without side effects. Read (ingress): a
 * subscription without credits (nothing delivered, no offset stored), closed at once. Write
 * (egress; and ingress on brokers before 3.13, which check write on StoreOffset, the ack): a
 * publisher declared without a reference (no deduplication state), deleted at once; nothing is
 * published. A stream that does not exist yet cannot be tried: `warn`.
 */
export async function permissionsCheck(
  session: Session,
  o: ResolvedRabbitmqStreamsOptions,
  role: 'ingress' | 'egress',
  exists: boolean,
  budget: CheckBudget,
): Promise<TransportCheck> {
  const startedAt = performance.now();
  const name = `stream "${o.stream}"`;
  if (!exists)
    return checkResult('permissions', 'warn', `not checked: ${name} does not exist yet`, {
      fix: 'creating it at open needs the configure permission on the vhost; run doctor again once it exists',
    });
  const version = session.serverVersion;
  const ackNeedsWrite = role === 'ingress' && rank(version) < rank('3.13');
  const where = session.target.where;
  const tried: string[] = [];
  try {
    if (role === 'ingress') {
      const consumer = await budget.run(
        session.subscribe(streamClient().Offset.next(), NO_CREDIT, () => {}),
        `subscribe to ${name}`,
      );
      await session.unsubscribe(consumer);
      tried.push('read (subscribed without credits)');
    }
    if (role === 'egress' || ackNeedsWrite) {
      try {
        const publisher = await budget.run(
          session.request('declare a publisher', (c) => c.declarePublisher({ stream: o.stream })),
          `declare a publisher on ${name}`,
        );
        await session.request('delete the publisher', (c) =>
          c.deletePublisher(publisher.extendedId),
        );
      } catch (error) {
        const mapped = streamError(error, 'declare a publisher', where);
        if (role === 'egress' || mapped.code !== 'permission-denied') throw mapped;
        throw storeOffsetRefused(o.stream, where, version, mapped);
      }
      const why = role === 'ingress' ? `, needed by the ack on RabbitMQ ${version}` : '';
      tried.push(`write (declared a publisher without reference, then deleted it${why})`);
    }
  } catch (error) {
    return checkFailed(
      'permissions',
      streamError(error, 'check the permissions', where),
      COMPONENT,
      { startedAt },
    );
  }
  return checkResult('permissions', 'ok', `granted on ${name}: ${tried.join('; ')}`, { startedAt });
}
