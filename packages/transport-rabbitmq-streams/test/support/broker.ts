import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  type RabbitmqStreamTestServer,
  rabbitmqStreamServer,
  waitForTcp,
} from '@edgeplane/test-servers';
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

const sh = (command: string, args: string[], timeoutMs: number) =>
  promisify(execFile)(command, args, { timeout: timeoutMs });

/**
 * Restarts the machine's RabbitMQ the way the machine notes do (`rabbitmqctl shutdown`, then
 * `rabbitmq-server -detached`, then poll the stream port; `rabbitmqctl await_startup` right after
 * `-detached` fails). Resolves with the ms at which the stream port answered again. The broker
 * keeps its configuration and streams, so it is left exactly as the machine had it.
 */
export async function restartBroker(
  server: RabbitmqStreamTestServer,
): Promise<{ downAt: number; upAt: number }> {
  await sh('rabbitmqctl', ['shutdown'], 60_000);
  const downAt = Date.now();
  await ensureBrokerRunning(server);
  return { downAt, upAt: Date.now() };
}

/** Starts the machine's RabbitMQ if its stream port does not answer (used after a failed test too). */
export async function ensureBrokerRunning(server: RabbitmqStreamTestServer): Promise<void> {
  const answering = await waitForTcp(server.host, server.port, 500).then(
    () => true,
    () => false,
  );
  if (answering) return;
  await sh('rabbitmq-server', ['-detached'], 60_000);
  await waitForTcp(server.host, server.port, 90_000);
}
