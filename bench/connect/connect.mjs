// Kafka Connect, the peer: a standalone worker (org.apache.kafka.connect.cli.ConnectStandalone)
// with one connector, started the way bin/connect-standalone.sh starts it (same heap and JVM
// options), on the jars @edgeplane/test-servers resolves at the broker's version.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafkaConnect, javaBinary } from '@edgeplane/test-servers';

const STRING = 'org.apache.kafka.connect.storage.StringConverter';
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

// bin/connect-standalone.sh: KAFKA_HEAP_OPTS, then kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS
const JVM = [
  '-Xms256M',
  '-Xmx2G',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c:%L)%n',
  'log4j.logger.org.reflections=ERROR',
  '',
].join('\n');

const props = (o) =>
  `${Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

/** The connector of each pair, given the pair's topics and files. */
const CONNECTORS = {
  'file→kafka': ({ name, input, topic }) => ({
    name,
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
    'tasks.max': 1,
    file: input,
    topic,
  }),
  'kafka→file': ({ name, source, output }) => ({
    name,
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    'tasks.max': 1,
    topics: source,
    file: output,
  }),
  // MirrorMaker 2's MirrorSourceConnector in a Connect worker; source and target are the same
  // broker, so the replica is `src.<topic>` (DefaultReplicationPolicy). One broker: factor 1.
  'kafka→kafka': ({ name, source, brokers }) => ({
    name,
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    'tasks.max': 1,
    'source.cluster.alias': 'src',
    'target.cluster.alias': 'dst',
    'source.cluster.bootstrap.servers': brokers,
    'target.cluster.bootstrap.servers': brokers,
    topics: source,
    'replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'sync.topic.acls.enabled': false,
  }),
};

/** The topic MirrorSourceConnector writes `source` to. */
export const mirrorTopic = (source) => `src.${source}`;

/**
 * Writes the worker and connector properties of `pair` into `dir` and returns the argv that
 * starts the worker. Producers use acks=all (Connect's default for source tasks, set here too).
 * `restPort`: the worker's REST listener on 127.0.0.1.
 */
export async function connectArgv(pair, { dir, brokers, restPort, ...names }) {
  const libs = await ensureKafkaConnect();
  const converter = pair === 'kafka→kafka' ? BYTES : STRING;
  const worker = join(dir, 'worker.properties');
  const connector = join(dir, 'connector.properties');
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    worker,
    props({
      'bootstrap.servers': brokers,
      'key.converter': converter,
      'value.converter': converter,
      'header.converter':
        pair === 'kafka→kafka' ? BYTES : 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': 10000, // config/connect-standalone.properties
      listeners: `http://127.0.0.1:${restPort}`,
      'plugin.discovery': 'only_scan',
      'producer.acks': 'all',
    }),
  );
  writeFileSync(connector, props(CONNECTORS[pair]({ ...names, brokers })));
  writeFileSync(log4j, LOG4J);
  return [
    javaBinary(),
    ...JVM,
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    join(libs, '*'),
    'org.apache.kafka.connect.cli.ConnectStandalone',
    worker,
    connector,
  ];
}
