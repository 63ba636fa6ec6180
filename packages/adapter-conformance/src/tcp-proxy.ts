import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP proxy whose connections can be cut, for `interrupt` hooks. */
export interface TcpProxy {
  /** `127.0.0.1` */
  readonly host: string;
  /** The port it listens on; point the transport here instead of at the server. */
  readonly port: number;
  /** Destroys every open connection (both sides), as a network cut would. New ones are accepted. */
  cut(): void;
  /** Cuts and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1 (a free port) to `target`, so a conformance `interrupt` hook
 * can cut a transport's connections without touching a shared server.
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 1883 });
 * // create: ({ ns }) => createMqttTransport({ url: `mqtt://127.0.0.1:${proxy.port}`, ... }),
 * // interrupt: async () => proxy.cut(),
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cut = (): void => {
    for (const s of open) s.destroy();
    open.clear();
  };
  return {
    host: '127.0.0.1',
    port,
    cut,
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
