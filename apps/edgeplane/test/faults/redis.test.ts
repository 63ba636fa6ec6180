import { spawnSync } from 'node:child_process';
import { type DisposablePrivateServer, privateRedis } from '@edgeplane/test-servers';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type FaultTarget, faultCases, sourceFaultCases } from './harness.js';

let server: DisposablePrivateServer;

describe('faults: file → redis-streams on a private redis-server', () => {
  beforeAll(async () => {
    server = await privateRedis();
  }, 30_000);
  afterAll(() => server?.dispose());

  const target = (): FaultTarget => ({
    transport: 'redis-streams',
    server,
    sinkOptions: (ns) => ({ url: server.url, stream: ns }),
    reader: (ns) =>
      createRedisStreamsTransport({ url: server.url, stream: ns, group: 'verify', startId: '0' }),
    refuseCredentials: async () => {
      await server.stop();
      await server.start(['--requirepass', 'changed-password']);
    },
    restoreCredentials: async () => {
      await server.stop();
      await server.start();
    },
    authMessage: /NOAUTH|WRONGPASS|Authentication required/,
    sourceOptions: (ns) => ({ url: server.url, stream: ns, group: 'run' }),
    deleteSourceState: async (ns) => {
      const r = spawnSync(
        'redis-cli',
        ['-p', String(server.port), 'XGROUP', 'DESTROY', ns, 'run'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stdout.trim()).toBe('1');
    },
  });
  faultCases(target);
  sourceFaultCases(target);
});
