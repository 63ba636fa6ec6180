import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  freePort,
  type RabbitmqStreamTestServer,
  rabbitmqStreamServer,
  streamPeerProperties,
  TestServerError,
  uniqueName,
} from '../src/index.js';
import { installPre311Shim } from './support/pre311-shim.js';

type StreamClient = typeof import('rabbitmq-stream-js-client');
const require = createRequire(import.meta.url);
const fixture = new URL('./fixtures/stream-client-connect.cjs', import.meta.url).pathname;

describe('rabbitmqStreamServer', () => {
  let server: RabbitmqStreamTestServer;

  beforeAll(async () => {
    server = await rabbitmqStreamServer()();
  });

  it('serves the stream protocol on 127.0.0.1:5552 and reports the broker version', async () => {
    expect(server.url).toMatch(/^rabbitmq-stream:\/\/guest:guest@127\.0\.0\.1:5552\/?$/);
    const props = await streamPeerProperties(server.host, server.port);
    expect(props.product).toBe('RabbitMQ');
    expect(props.version).toBe(server.version);
    expect(server.version).toMatch(/^\d+\.\d+/);
  });

  it('documents what the unpatched rabbitmq-stream-js-client does against this broker', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [fixture, String(server.port)]);
    if (server.needsPre311Shim) {
      // the broker closes the connection on ExchangeCommandVersions; see README
      expect(stdout.trim()).toBe('ERROR Unknown response 22');
    } else {
      expect(stdout.trim()).toMatch(/^CONNECTED /);
    }
  });

  it('round-trips messages through a stream with the client (and the <3.11 shim)', async () => {
    installPre311Shim();
    const { connect, Offset } = require('rabbitmq-stream-js-client') as StreamClient;
    const client = await connect({
      hostname: server.host,
      port: server.port,
      username: server.username,
      password: server.password,
      vhost: server.vhost,
    });
    const stream = uniqueName('ep-test-servers');
    await client.createStream({ stream, arguments: {} });
    const publisher = await client.declarePublisher({ stream });
    for (const text of ['one', 'two', 'three']) await publisher.send(Buffer.from(text));
    const received: string[] = [];
    let consumer: Awaited<ReturnType<typeof client.declareConsumer>> | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${received.length}/3`)), 15_000);
      client
        .declareConsumer({ stream, offset: Offset.first() }, (message) => {
          received.push(message.content.toString());
          if (received.length === 3) {
            clearTimeout(timer);
            resolve();
          }
        })
        .then((c) => {
          consumer = c;
        }, reject);
    });
    expect(received).toEqual(['one', 'two', 'three']);
    // services.md: close consumers and publishers, then delete the stream, then the client
    await consumer?.close();
    await publisher.close();
    await client.deleteStream({ stream });
    await client.close();
  });

  it('fails loudly when EDGEPLANE_RABBITMQ_STREAM_URL does not answer', async () => {
    vi.stubEnv(
      'EDGEPLANE_RABBITMQ_STREAM_URL',
      `rabbitmq-stream://guest:guest@127.0.0.1:${await freePort()}/`,
    );
    try {
      const error = await rabbitmqStreamServer()().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TestServerError);
      expect((error as Error).message).toMatch(/EDGEPLANE_RABBITMQ_STREAM_URL=.*\n {2}fix: /);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
