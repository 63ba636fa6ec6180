import { describe, expect, it, vi } from 'vitest';
import {
  freePort,
  natsInfo,
  natsServer,
  postgresPing,
  postgresServer,
  redisPing,
  redisServer,
  TestServerError,
} from '../src/index.js';

describe('machine services', () => {
  it('natsServer: NATS with JetStream answers INFO on 4222', async () => {
    const server = await natsServer()();
    expect(server.url).toBe('nats://127.0.0.1:4222');
    const info = await natsInfo(server.host, server.port);
    expect(info.jetstream).toBe(true);
    expect(server.ping).toMatch(/^nats-server \d+\.\d+\.\d+ \(jetstream\)$/);
    await server.stop();
  });

  it('redisServer: Redis answers PING on 6379', async () => {
    const server = await redisServer()();
    expect(server.url).toBe('redis://127.0.0.1:6379');
    expect(await redisPing(server.host, server.port)).toBe('+PONG');
    await server.stop();
  });

  it('postgresServer: PostgreSQL answers an SSLRequest on 5432, database test', async () => {
    const server = await postgresServer()();
    expect(server.url).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(['S', 'N']).toContain(await postgresPing(server.host, server.port));
    await server.stop();
  });

  it('honours EDGEPLANE_REDIS_URL and fails loudly when it does not answer', async () => {
    vi.stubEnv('EDGEPLANE_REDIS_URL', 'redis://127.0.0.1:6379');
    try {
      expect((await redisServer()()).provenance).toBe('env');
      vi.stubEnv('EDGEPLANE_REDIS_URL', `redis://127.0.0.1:${await freePort()}`);
      const error = await redisServer()().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TestServerError);
      expect((error as Error).message).toMatch(
        /^\[test-servers:redis\] EDGEPLANE_REDIS_URL=redis:\/\/127\.0\.0\.1:\d+ does not answer: .*\n {2}fix: /,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a NATS ping against a non-NATS port fails (no false positives)', async () => {
    await expect(natsInfo('127.0.0.1', 5432)).rejects.toThrow();
  });
});
