/**
 * Test helper (not exported): a real node:http control plane on 127.0.0.1:0 that records every
 * request and answers as told: a status (with headers), or never (hang).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded request; `at` is `performance.now()` when its body had arrived. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** How to answer a request: a status (default 200) with headers, or `hang` to never answer. */
export type FakeAnswer =
  | { readonly status?: number; readonly headers?: Record<string, string> }
  | 'hang';

export interface FakeApi {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Requests whose path ends with `suffix` (`/heartbeat`, `/snapshots`). */
  to(suffix: string): RecordedRequest[];
  /** Replaces the answering rule; `n` counts earlier requests to the same path. */
  answer(rule: (request: RecordedRequest, n: number) => FakeAnswer): void;
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  let rule: (request: RecordedRequest, n: number) => FakeAnswer = () => ({ status: 200 });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      const n = requests.filter((r) => r.path === recorded.path).length;
      requests.push(recorded);
      const answer = rule(recorded, n);
      if (answer === 'hang') return;
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        ...answer.headers,
      });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    to: (suffix) => requests.filter((r) => r.path.endsWith(suffix)),
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
