import { type PrivateRabbitmq, privateRabbitmq } from '@edgeplane/test-servers';
import { createRabbitmqStreamsTransport } from '@edgeplane/transport-rabbitmq-streams';
import { afterAll, beforeAll, describe } from 'vitest';
import { type FaultTarget, faultCases, sourceFaultCases } from './harness.js';

let server: PrivateRabbitmq;

describe('faults: file → rabbitmq-streams on a private RabbitMQ node', () => {
  beforeAll(async () => {
    server = await privateRabbitmq();
    await server.ctl(['add_user', 'edge', 'edge-password']);
    await server.ctl(['set_permissions', 'edge', '.*', '.*', '.*']);
  }, 120_000);
  afterAll(() => server?.stop());

  const url = () => `rabbitmq-stream://edge:edge-password@127.0.0.1:${server.port}/`;
  const target = (): FaultTarget => ({
    transport: 'rabbitmq-streams',
    server,
    sinkOptions: (ns) => ({ url: url(), stream: ns }),
    reader: (ns) =>
      createRabbitmqStreamsTransport({ url: url(), stream: ns, consumerName: 'verify' }),
    refuseCredentials: async () => {
      await server.ctl(['change_password', 'edge', 'changed-password']);
      await server.ctl(['close_all_connections', 'credentials changed']);
    },
    restoreCredentials: async () => {
      await server.ctl(['change_password', 'edge', 'edge-password']);
    },
    authMessage:
      /ACCESS_REFUSED|AUTHENTICATION_FAILURE|authentication fail(ed|ure)|access refused/i,
    sourceOptions: (ns) => ({ url: url(), stream: ns, consumerName: 'run' }),
    deleteSourceState: async (ns) => {
      await server.ctl(['delete_queue', ns]);
    },
  });
  faultCases(target);
  sourceFaultCases(target);
});
