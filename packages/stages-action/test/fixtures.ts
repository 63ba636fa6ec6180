import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  InboundBatch,
  OutboundMessage,
  SendResult,
  StageContext,
  StageFactoryContext,
  StageMessage,
  Transport,
} from '@edgeplane/adapter-loop';

/** One POST as the server saw it. */
export interface Received {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** How the server answers request number `n`: a status (with headers) or `hang`. */
export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string> }
  | 'hang';

export interface HookServer {
  readonly url: string;
  readonly received: Received[];
  answer(rule: (n: number, request: Received) => Answer): void;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1:0 that records every request's exact bytes. */
export async function startHookServer(): Promise<HookServer> {
  const received: Received[] = [];
  let rule: (n: number, request: Received) => Answer = () => ({ status: 204 });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(request);
      const answer = rule(received.length - 1, request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (next) => {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function factoryContext(
  key: string,
  settings: Record<string, string> = {},
): StageFactoryContext {
  return { key, id: 'act', index: 1, settings };
}

export function stageContext(signal: AbortSignal = new AbortController().signal): StageContext {
  return { id: 'act', index: 1, signal };
}

export const msg = (body: string | Uint8Array): StageMessage => ({
  body: typeof body === 'string' ? Buffer.from(body) : body,
});

const caps = {
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: false,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
} as const;

/** An in-process source of `bodies` in batches of 10, recording how many were acknowledged. */
export class ListSource implements Transport {
  readonly name: string = 'list';
  readonly capabilities: typeof caps = caps;
  acked = 0;
  constructor(readonly bodies: readonly string[]) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async *receive(): AsyncIterable<InboundBatch> {
    for (let start = 0; start < this.bodies.length; start += 10) {
      const messages = this.bodies
        .slice(start, start + 10)
        .map((b, i) => ({ id: String(start + i), body: Buffer.from(b) }));
      yield {
        messages,
        ack: async (count = messages.length) => {
          this.acked = Math.max(this.acked, start + count);
        },
        nack: async () => {},
      };
    }
  }
}

/** An in-process sink collecting bodies as text. */
export class ListSink implements Transport {
  readonly name: string = 'list';
  readonly capabilities: typeof caps = caps;
  readonly received: string[] = [];
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async send(batch: readonly OutboundMessage[]): Promise<SendResult> {
    for (const m of batch) this.received.push(Buffer.from(m.body).toString());
    return { status: 'ok' };
  }
}
