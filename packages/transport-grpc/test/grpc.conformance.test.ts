import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import { createGrpcTransport, grpcTransport } from '../src/index.js';
import { PortBook } from './support/peers.js';

const MAX_BODY = 1024 * 1024;
const WINDOW = 256;

interface Peers {
  readonly book: PortBook;
}

describeTransportConformance<Peers>({
  transport: 'grpc',
  handoff: 'synchronous',
  server: async () => {
    const book = await PortBook.create(200);
    return { book, stop: () => book.close() };
  },
  // The ingress of each test listens on a port of its own; the egress dials it through a
  // loopback proxy that a test can cut.
  create: ({ server, ns, role }) => {
    const ports = server.book.of(ns);
    return role === 'source'
      ? createGrpcTransport({
          listen: `127.0.0.1:${ports.listen}`,
          maxBodyBytes: MAX_BODY,
          maxInFlight: WINDOW,
        })
      : createGrpcTransport({
          url: `http://127.0.0.1:${ports.dial}`,
          maxBodyBytes: MAX_BODY,
          maxInFlight: WINDOW,
          timeoutMs: 10_000,
        });
  },
  descriptor: grpcTransport,
  createBadOptions: () => ({ url: 'ftp://127.0.0.1:1' }),
  // The egress: nothing listens on port 1. The ingress: its port is taken (by this test's proxy).
  unreachable: ({ server, ns, role }) =>
    role === 'source'
      ? createGrpcTransport({ listen: `127.0.0.1:${server.book.of(ns).dial}` })
      : createGrpcTransport({
          url: 'http://127.0.0.1:1',
          connectTimeoutMs: 2000,
          maxBodyBytes: MAX_BODY,
        }),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: false,
    replay: false,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxInFlight: WINDOW,
    maxBodyBytes: MAX_BODY,
  },
  // Cuts the egress's connection through this test's loopback proxy.
  interrupt: async ({ server, ns }) => {
    server.book.of(ns).proxy.cut();
  },
});
