import { createServer } from 'node:net';
import { freePort } from '@edgeplane/test-servers';
import type { HttpTransport } from '../../src/index.js';

/**
 * The conformance "server" of the HTTP transport: there is none to start (the source IS the
 * sink's peer), so it hands each test namespace its own loopback port (free ports found with
 * `freePort()` up front, because `create()` is synchronous), and keeps the open sources of each
 * namespace so `interrupt` can cut their connections.
 */
export interface PortBook {
  readonly url: string;
  /** A loopback port held by another socket (an ingress cannot listen there: EADDRINUSE). */
  readonly busyPort: number;
  portFor(ns: string): number;
  readonly sources: Map<string, HttpTransport[]>;
  stop(): Promise<void>;
}

export async function portBook(count = 120): Promise<PortBook> {
  const free: number[] = [];
  const seen = new Set<number>();
  while (free.length < count) {
    const port = await freePort();
    if (!seen.has(port)) {
      seen.add(port);
      free.push(port);
    }
  }
  const byNs = new Map<string, number>();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const address = blocker.address();
  const busyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: 'http://127.0.0.1',
    busyPort,
    sources: new Map(),
    portFor(ns) {
      let port = byNs.get(ns);
      if (port === undefined) {
        port = free.shift();
        if (port === undefined) throw new Error('portBook: out of ports, raise the count');
        byNs.set(ns, port);
      }
      return port;
    },
    async stop() {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    },
  };
}
