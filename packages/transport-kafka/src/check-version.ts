import { checkResult, type TransportCheck } from '@edgeplane/adapter-loop/transport';
import type { apiVersionsV3 } from '@platformatic/kafka';

/**
 * The Kafka releases this transport was tested against (`major.minor`, inclusive): the broker of
 * `@edgeplane/test-servers` (`KAFKA_VERSION`, 3.9.1). Widen it when a release has been run here.
 */
export const TESTED_KAFKA = { from: '3.9', to: '3.9' } as const;

/**
 * The release of each `metadata.version` feature level (Kafka's `MetadataVersion`, read from the
 * 3.9.1 jars): a broker's highest supported level is the one its release introduced.
 */
const LEVELS: readonly (readonly [number, string])[] = [
  [1, '3.0'],
  [2, '3.1'],
  [3, '3.2'],
  [4, '3.3'],
  [8, '3.4'],
  [9, '3.5'],
  [12, '3.6'],
  [15, '3.7'],
  [20, '3.8'],
  [21, '3.9'],
  [22, '4.0'],
];

/** The Kafka release (`major.minor`) of a broker's highest `metadata.version` level. */
export function kafkaRelease(level: number): string | undefined {
  let release: string | undefined;
  for (const [from, name] of LEVELS) if (level >= from) release = name;
  return release;
}

const rank = (release: string): number => {
  const [major = 0, minor = 0] = release.split('.').map(Number);
  return major * 1000 + minor;
};

/**
 * `server-version`: the release from the ApiVersions answer (its `metadata.version` feature, sent
 * by KRaft brokers and by ZooKeeper brokers from 3.3 on), `ok` within `TESTED_KAFKA`, `warn`
 * outside it or when the brokers do not say.
 */
export function serverVersionCheck(answer: apiVersionsV3.ApiVersionsResponse): TransportCheck {
  const feature = answer.supportedFeatures?.find((f) => f.name === 'metadata.version');
  const release = feature ? kafkaRelease(feature.maxVersion) : undefined;
  const tested = `${TESTED_KAFKA.from}${TESTED_KAFKA.to === TESTED_KAFKA.from ? '' : `-${TESTED_KAFKA.to}`}`;
  if (!feature || !release)
    return checkResult(
      'server-version',
      'warn',
      'the brokers do not report their release (no `metadata.version` feature: a ZooKeeper-mode broker older than Kafka 3.3)',
      {
        fix: `this transport was tested with Kafka ${tested}: upgrade the brokers, or test the lane against them first`,
      },
    );
  const newest = feature.maxVersion >= 22 ? `${release} or later` : release;
  const detail = `Kafka ${newest} (metadata.version levels ${feature.minVersion}-${feature.maxVersion})`;
  const within =
    feature.maxVersion < 22 &&
    rank(release) >= rank(TESTED_KAFKA.from) &&
    rank(release) <= rank(TESTED_KAFKA.to);
  if (within) return checkResult('server-version', 'ok', `${detail}, tested`);
  return checkResult('server-version', 'warn', `${detail}: outside the tested ${tested}`, {
    fix: `this transport was tested with Kafka ${tested}: run the lane against these brokers in a test setup first`,
  });
}
