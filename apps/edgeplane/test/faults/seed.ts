import type { Transport } from '@edgeplane/adapter-loop/transport';
import { kafkaTransport } from '@edgeplane/transport-kafka';
import { natsTransport } from '@edgeplane/transport-nats';
import { rabbitmqStreamsTransport } from '@edgeplane/transport-rabbitmq-streams';
import { redisStreamsTransport } from '@edgeplane/transport-redis-streams';

const DESCRIPTORS = [
  redisStreamsTransport,
  natsTransport,
  kafkaTransport,
  rabbitmqStreamsTransport,
];

/** A transport made the way the CLI makes it: its descriptor parses the config's strings. */
export function createTransport(
  name: string,
  options: Readonly<Record<string, string>>,
): Transport {
  const descriptor = DESCRIPTORS.find((d) => d.name === name);
  if (!descriptor) throw new Error(`no transport ${name}`);
  return descriptor.create(descriptor.parseOptions(options) as never);
}
