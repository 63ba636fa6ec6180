import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A response seen by the plain `node:http` client. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * POSTs with a plain `node:http` client (no keep-alive), independent of the code under test.
 * `onRequest` receives the ClientRequest (to destroy it early). Rejects on a connection error.
 */
export function post(
  port: number,
  body: Uint8Array | string,
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    chunked?: boolean;
    onRequest?: (req: ReturnType<typeof request>) => void;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'POST',
        agent: false,
        headers: {
          ...(options.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    options.onRequest?.(req);
    req.end(body);
  });
}

/** One request the plain server received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** A plain `node:http` server that records requests and answers with `answer` (default 204). */
export interface PlainServer {
  readonly port: number;
  readonly url: string;
  readonly received: Received[];
  /** Requests being handled now, and the most at once. */
  readonly concurrent: { now: number; max: number };
  answer: (r: Received, res: ServerResponse) => void | Promise<void>;
  close(): Promise<void>;
  server: Server;
}

export async function plainServer(): Promise<PlainServer> {
  const peer: PlainServer = {
    port: 0,
    url: '',
    received: [],
    concurrent: { now: 0, max: 0 },
    answer: (_r, res) => {
      res.writeHead(204).end();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    server: undefined as unknown as Server,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    peer.concurrent.now++;
    peer.concurrent.max = Math.max(peer.concurrent.max, peer.concurrent.now);
    res.on('close', () => peer.concurrent.now--);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      peer.received.push(r);
      void peer.answer(r, res);
    });
  });
  peer.server = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  Object.assign(peer, { port, url: `http://127.0.0.1:${port}` });
  return peer;
}
