import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { RabbitmqStreamTestServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectionErrorOf, locatorConnection, streamClient } from '../src/client.js';
import { installClientCompat, isBeforeRabbitmq311, StreamProtocolError } from '../src/compat.js';
import { createRabbitmqStreamsTransport } from '../src/index.js';
import { broker, deleteStreams } from './support/broker.js';

const fixture = new URL('./fixtures/unpatched-connect.cjs', import.meta.url).pathname;
const run = (args: string[]) => promisify(execFile)(process.execPath, [fixture, ...args]);
const require = createRequire(import.meta.url);

describe('client compatibility shim (rabbitmq-stream-js-client 1.0.0) against the real broker', () => {
  let server: RabbitmqStreamTestServer;
  const streams = new Set<string>();
  const url = (auth = 'guest:guest', vhost = '') =>
    `rabbitmq-stream://${auth}@${server.host}:${server.port}/${vhost}`;

  beforeAll(async () => {
    server = await broker();
  });
  afterAll(() => deleteStreams(server, streams));

  it('the unpatched client still fails against this broker when it is < 3.11 (the shim is needed)', async () => {
    const { stdout } = await run([String(server.port)]);
    if (isBeforeRabbitmq311(server.version))
      expect(stdout.trim()).toBe('ERROR Unknown response 22');
    else expect(stdout.trim()).toMatch(/^CONNECTED /);
  });

  it('with the shim, the client connects, and skips ExchangeCommandVersions only before 3.11', async () => {
    const client = await streamClient().connect({
      hostname: server.host,
      port: server.port,
      username: server.username,
      password: server.password,
      vhost: server.vhost,
    });
    expect(client.rabbitManagementVersion).toBe(server.version);
    if (isBeforeRabbitmq311(server.version)) expect(client.serverVersions).toEqual([]);
    else expect(client.serverVersions.length).toBeGreaterThan(0);
    await client.close();
  });

  it('leaves brokers from 3.11 on untouched: the exchange is sent to them', async () => {
    installClientCompat();
    const { Connection } = require('rabbitmq-stream-js-client/dist/connection.js') as {
      Connection: { prototype: object };
    };
    const exchange = async (version: string) => {
      const sendAndWait = vi.fn(async () => ({ serverDeclaredVersions: [] }));
      const connection = Object.assign(Object.create(Connection.prototype), {
        peerProperties: { version },
        serverDeclaredVersions: [],
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        sendAndWait,
      }) as { exchangeCommandVersions(): Promise<unknown> };
      await connection.exchangeCommandVersions();
      return sendAndWait.mock.calls.length;
    };
    expect(await exchange('3.10.8')).toBe(0);
    expect(await exchange('3.9.29')).toBe(0);
    expect(await exchange('3.11.0')).toBe(1);
    expect(await exchange('4.1.2')).toBe(1);
  });

  it('installing twice is a no-op', () => {
    installClientCompat();
    expect(installClientCompat()).toBe(false);
  });

  it('a wrong password is `unauthenticated`, open() settles, and the password is not printed', async () => {
    const unpatched = await run([String(server.port), 'guest', 'not-the-password']);
    expect(unpatched.stdout.trim()).toMatch(/^UNHANDLED Unable Authenticate -> 8/);
    const t = createRabbitmqStreamsTransport({
      url: url('guest:s3cret-pw'),
      stream: 'ep-compat-auth',
    });
    const error = await t.open({ role: 'egress' }).catch((e: unknown) => e);
    await t.close();
    expect(isEdgeplaneError(error) && error.code).toBe('unauthenticated');
    expect((error as Error).message).toMatch(
      /^\[transport:rabbitmq-streams\] cannot connect \(127\.0\.0\.1:5552\): authentication failure \(response code 8\)$/,
    );
    expect(
      JSON.stringify({ m: (error as Error).message, d: (error as { details?: unknown }).details }),
    ).not.toContain('s3cret-pw');
  });

  it('an unknown vhost is `permission-denied` (the client used to throw out of its socket handler)', async () => {
    const t = createRabbitmqStreamsTransport({
      url: url('guest:guest', 'no-such-vhost'),
      stream: 'x',
    });
    const error = await t.open().catch((e: unknown) => e);
    await t.close();
    expect(isEdgeplaneError(error) && error.code).toBe('permission-denied');
    expect((error as Error).message).toContain('virtual host access failure (response code 12)');
  });

  it('a peer that is not a stream broker (AMQP 0-9-1 on 5672) fails `unavailable` instead of hanging', async () => {
    const t = createRabbitmqStreamsTransport({
      url: 'rabbitmq-stream://127.0.0.1:5672',
      stream: 'x',
      connectTimeoutMs: 1000,
    });
    const started = Date.now();
    const error = await t.open().catch((e: unknown) => e);
    await t.close();
    expect(isEdgeplaneError(error) && error.code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a frame the client cannot decode (a server-sent Close) ends that connection, not the process', async () => {
    let resolveClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    const client = await streamClient().connect({
      hostname: server.host,
      port: server.port,
      username: server.username,
      password: server.password,
      vhost: server.vhost,
      listeners: { connection_closed: () => resolveClosed() },
    });
    // An unknown command: the broker answers with Close (0x0016) and drops the connection.
    const frame = Buffer.from([0, 0, 0, 8, 0x00, 0x7f, 0, 1, 0, 0, 0, 1]);
    locatorConnection(client).socket.write(frame);
    await closed;
    const error = connectionErrorOf(client);
    expect(error).toBeInstanceOf(StreamProtocolError);
    expect((error as StreamProtocolError).message).toContain('Unknown response 22');
  });

  it('empty header values round-trip (the client decoder used to throw on them)', async () => {
    const stream = `ep-compat-headers-${Date.now()}`;
    streams.add(stream);
    const sink = createRabbitmqStreamsTransport({ url: url(), stream });
    const source = createRabbitmqStreamsTransport({ url: url(), stream, consumerName: 'c' });
    const headers = { 'x-empty': '', 'x-zero': '0', 'x-false': 'false' };
    expect((await sink.send([{ headers, body: Buffer.from('h') }])).status).toBe('ok');
    for await (const batch of source.receive({ signal: AbortSignal.timeout(10_000) })) {
      expect(batch.messages[0]?.headers).toEqual(headers);
      break;
    }
    await Promise.all([sink.close(), source.close()]);
  });
});
