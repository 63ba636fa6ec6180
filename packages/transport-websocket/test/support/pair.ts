import { startTcpProxy, type TcpProxy } from '@edgeplane/adapter-conformance';
import type { Transport } from '@edgeplane/adapter-loop/transport';
import { freePort } from '@edgeplane/test-servers';
import {
  createWebSocketTransport,
  type WebSocketTransport,
  type WebSocketTransportOptions,
  webSocketCapabilities,
} from '../../src/index.js';

/**
 * The conformance "server" of a push transport: each test's source listens on a free port
 * (`listen=127.0.0.1:0`); the sink of the same namespace dials it through a TCP proxy (so the
 * `interrupt` hook can cut the connection), found when the sink opens (the suite opens the source
 * first). A sink opened with no source dials a closed port.
 */
export interface PairServer {
  readonly url: string;
  readonly sources: Map<string, WebSocketTransport>;
  readonly proxies: Map<string, TcpProxy>;
  /** A port nothing listens on. */
  readonly closedPort: number;
  stop(): Promise<void>;
}

export async function startPairServer(): Promise<PairServer> {
  const sources = new Map<string, WebSocketTransport>();
  const proxies = new Map<string, TcpProxy>();
  const closedPort = await freePort();
  return {
    url: 'ws://127.0.0.1',
    sources,
    proxies,
    closedPort,
    async stop() {
      await Promise.all([...proxies.values()].map((p) => p.close()));
    },
  };
}

/** The shared options of both sides in these tests. */
export const COMMON: WebSocketTransportOptions = {
  maxInFlight: 64,
  maxPayload: 2 * 1024 * 1024,
  authToken: 'conformance-token',
  pingIntervalMs: 1000,
  ackTimeoutMs: 10_000,
  reconnectMaxDelayMs: 500,
};

/** The source of namespace `ns`: a listening ingress on path `/ns`. */
export function pairSource(
  server: PairServer,
  ns: string,
  extra: WebSocketTransportOptions = {},
): WebSocketTransport {
  const t = createWebSocketTransport({
    ...COMMON,
    ...extra,
    listen: '127.0.0.1:0',
    path: `/${ns}`,
  });
  server.sources.set(ns, t);
  return t;
}

/** The sink of namespace `ns`, created when it opens (then the source's port is known). */
export function pairSink(
  server: PairServer,
  ns: string,
  extra: WebSocketTransportOptions = {},
): Transport {
  let inner: WebSocketTransport | undefined;
  let closed = false;
  const capabilities = webSocketCapabilities({
    ackProtocol: extra.ackProtocol ?? 'edgeplane.v1',
    maxInFlight: extra.maxInFlight ?? (COMMON.maxInFlight as number),
    maxPayload: extra.maxPayload ?? (COMMON.maxPayload as number),
  });
  const make = async (): Promise<WebSocketTransport> => {
    if (inner) return inner;
    const address = server.sources.get(ns)?.stats().listening;
    let port = server.closedPort;
    if (address) {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(address.split(':')[1]) });
      server.proxies.get(ns)?.close();
      server.proxies.set(ns, proxy);
      port = proxy.port;
    }
    inner ??= createWebSocketTransport({
      ...COMMON,
      ...extra,
      url: `ws://127.0.0.1:${port}/${ns}`,
    });
    return inner;
  };
  return {
    name: 'websocket',
    capabilities,
    async open(context) {
      await (await make()).open(context);
    },
    /** The inner transport's check(), through the proxy (what `edgeplane doctor` runs). */
    async check(context) {
      const t = await make();
      return t.check ? t.check(context) : [];
    },
    async send(batch, signal) {
      const t = await make();
      if (closed) await t.close();
      return t.send(batch, signal);
    },
    receive(options) {
      if (!inner) throw new Error('pairSink: receive() before open()');
      return inner.receive(options);
    },
    async close() {
      closed = true;
      await inner?.close();
    },
  };
}
