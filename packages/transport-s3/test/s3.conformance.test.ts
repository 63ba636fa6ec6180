import {
  describeTransportConformance,
  startTcpProxy,
  type TcpProxy,
} from '@edgeplane/adapter-conformance';
import type { S3TestServer } from '@edgeplane/test-servers';
import { createS3Transport, s3Transport } from '../src/index.js';
import { BUCKET, optionsFor, startS3ProxyWithBucket, startS3WithBucket } from './support/s3.js';

interface Server extends S3TestServer {
  readonly proxy: TcpProxy;
}

/**
 * The suite against one S3 server. Source and sink of a test share the prefix `<ns>/`. Every
 * transport goes through a TCP proxy to the server, so `interrupt` can cut their connections
 * (the reconnect case) while the server runs on.
 */
function describeAgainst(name: string, start: () => Promise<S3TestServer>): void {
  describeTransportConformance<Server>({
    transport: `s3 (${name})`,
    server: async () => {
      const s3 = await start();
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
        bucket: BUCKET,
        prefix: `${ns}/`,
        accessKeyId: 'x',
        secretAccessKey: 'y',
      }),
    interrupt: async ({ server }) => server.proxy.cut(),
    startTimeoutMs: 180_000,
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
}

// S3Proxy (filesystem backend) is the more faithful server (issue 7); s3rver is the npm one.
describeAgainst('S3Proxy', startS3ProxyWithBucket);
describeAgainst('s3rver', startS3WithBucket);
