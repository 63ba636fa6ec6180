import { type RabbitmqStreamTestServer, rabbitmqStreamServer } from '@edgeplane/test-servers';
import { streamClient } from '../../src/client.js';

/** The machine's RabbitMQ with the stream plugin (set up by @edgeplane/test-servers; never skipped). */
export const broker = (): Promise<RabbitmqStreamTestServer> => rabbitmqStreamServer()();

/** Deletes streams this test run created (missing ones are fine). */
export async function deleteStreams(
  server: RabbitmqStreamTestServer,
  streams: Iterable<string>,
): Promise<void> {
  const names = [...streams];
  if (names.length === 0) return;
  const client = await streamClient().connect({
    hostname: server.host,
    port: server.port,
    username: server.username,
    password: server.password,
    vhost: server.vhost,
  });
  try {
    for (const stream of names) await client.deleteStream({ stream }).catch(() => {});
  } finally {
    await client.close();
  }
}

/** Lists streams whose name starts with `prefix` (via the AMQP-free stream metadata is not possible: uses rabbitmqctl). */
export { rabbitmqStreamServer };
