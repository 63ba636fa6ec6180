import { describeTransportConformance, startTcpProxy, type TcpProxy } from '@edgeplane/adapter-conformance';
import type { S3TestServer } from '@edgeplane/test-servers';
import { createS3Transport, s3Transport } from '../src/index.js';
import { optionsFor, startS3WithBucket } from './support/s3.js';

interface Server extends S3TestServer {
  readonly proxy: TcpProxy;
}

// Source and sink of a test share the prefix `<ns>/`. Every transport goes through a TCP proxy
// to s3rver, so `interrupt` can cut their connections (the reconnect case) while s3rver runs on.
describeTransportConformance<Server>({
  transport: 's3 (s3rver)',
  server: async () => {
    const s3 = await startS3WithBucket();
    const { hostname, port } = new URL(s3.url);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    return {
      ...s3,
      proxy,
      stop: async () => {
        await proxy.close();
        await s3.stop();
      },
    };
  },
  create: ({ server, ns }) =>
    createS3Transport({
      ...optionsFor(server, `${ns}/`, `http://127.0.0.1:${server.proxy.port}`),
      // The source is opened before the sends: it must see what arrives later.
      follow: true,
      pollIntervalMs: 100,
    }),
  descriptor: s3Transport,
  createBadOptions: () => ({ bucket: 'Not_A_Bucket' }),
  unreachable: ({ ns }) =>
    createS3Transport({
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      bucket: 'edgeplane-test',
      prefix: `${ns}/`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    }),
  interrupt: async ({ server }) => server.proxy.cut(),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: true,
    replay: true,
    keys: false,
    headers: false,
    delivery: 'at-least-once',
    framing: 'line',
  },
});
