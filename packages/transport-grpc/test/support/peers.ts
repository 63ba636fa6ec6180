import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@edgeplane/test-servers';

/** A loopback TCP proxy on a chosen port whose connections can be cut (a network cut). */
export interface CutProxy {
  readonly port: number;
  cut(): void;
  close(): Promise<void>;
}

/**
 * Starts listening on `port` (synchronously issued: connections made after the event loop turns
 * are accepted) and forwards to `127.0.0.1:target`.
 */
export function cutProxy(port: number, target: number): CutProxy {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('error', () => {});
  server.listen(port, '127.0.0.1');
  return {
    port,
    cut: () => {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Distinct free loopback ports, found one after the other. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Ports for the tests of a namespace: the ingress listens on `listen`, the egress dials `dial`
 * (a proxy to `listen`, so a test can cut the connection without touching either side).
 */
export class PortBook {
  private readonly byNs = new Map<string, { listen: number; proxy: CutProxy }>();
  constructor(private readonly pool: number[]) {}

  static async create(size: number): Promise<PortBook> {
    return new PortBook(await freePorts(size));
  }

  /** The ports of `ns`, allocated (and the proxy started) on first use. */
  of(ns: string): { listen: number; dial: number; proxy: CutProxy } {
    let entry = this.byNs.get(ns);
    if (!entry) {
      const listen = this.pool.shift();
      const dial = this.pool.shift();
      if (listen === undefined || dial === undefined) throw new Error('port pool exhausted');
      entry = { listen, proxy: cutProxy(dial, listen) };
      this.byNs.set(ns, entry);
    }
    return { listen: entry.listen, dial: entry.proxy.port, proxy: entry.proxy };
  }

  async close(): Promise<void> {
    await Promise.all([...this.byNs.values()].map((e) => e.proxy.close()));
  }
}
