import {
  describeTransportConformance,
  startTcpProxy,
  type TcpProxy,
} from '@edgeplane/adapter-conformance';
import { afterAll } from 'vitest';
import { createMqttTransport, mqttTransport } from '../src/index.js';
import { mosquitto } from './mosquitto.js';

let proxy: TcpProxy | undefined;
afterAll(() => proxy?.close());

describeTransportConformance({
  transport: 'mqtt',
  // The machine's broker, reached through a loopback TCP proxy the interrupt hook can cut.
  server: async () => {
    const broker = await mosquitto();
    proxy = await startTcpProxy({ host: broker.host, port: broker.port });
    return { ...broker, url: `mqtt://127.0.0.1:${proxy.port}` };
  },
  create: ({ server, ns, role }) =>
    createMqttTransport({
      url: server.url,
      topic: `edgeplane-test/${ns}`,
      clientId: `${ns}-${role}`,
      sessionExpirySec: 300,
      connectTimeoutMs: 5000,
      reconnectPeriodMs: 200,
      keepaliveSec: 30,
    }),
  descriptor: mqttTransport,
  createBadOptions: () => ({ url: 'http://127.0.0.1:1883', topic: 't', clientId: 'c' }),
  unreachable: ({ ns }) =>
    createMqttTransport({
      url: 'mqtt://127.0.0.1:1',
      topic: ns,
      clientId: ns,
      sessionExpirySec: 0,
      connectTimeoutMs: 2000,
      reconnectPeriodMs: 1000,
      keepaliveSec: 30,
    }),
  interrupt: async () => proxy?.cut(),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: true,
    replay: false,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxInFlight: 1,
  },
});
