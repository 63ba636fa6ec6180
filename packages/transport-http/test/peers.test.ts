import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
  signBody,
} from '../src/index.js';
import { type PlainServer, plainServer, post } from './support/http-peer.js';

/**
 * Each side against an independent peer: the ingress against a plain `node:http` client, the
 * egress against a plain `node:http` server. Nothing of the transport is on the other end.
 */
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function ingress(options: HttpTransportOptions = {}): Promise<HttpTransport> {
  const t = createHttpTransport({ listen: '127.0.0.1:0', ...options });
  open.push(t);
  await t.open({ role: 'ingress' });
  return t;
}

async function egress(options: HttpTransportOptions): Promise<HttpTransport> {
  const t = createHttpTransport(options);
  open.push(t);
  await t.open({ role: 'egress' });
  return t;
}

async function server(): Promise<PlainServer> {
  const s = await plainServer();
  open.push(s);
  return s;
}

/** The next batch of an open receive iteration. */
function reader(t: HttpTransport) {
  const controller = new AbortController();
  const it = t.receive({ signal: controller.signal })[Symbol.asyncIterator]();
  open.push({ close: async () => controller.abort() });
  return async (): Promise<InboundBatch> => {
    const next = await it.next();
    if (next.done) throw new Error('receive ended');
    return next.value;
  };
}

const port = (t: HttpTransport) => t.address?.port ?? 0;
const settledWithin = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

describe('ingress against a plain node:http client', () => {
  it('answers 204 only after the message was acknowledged; key, edgeplane and allow-listed headers arrive', async () => {
    const t = await ingress({ headerAllowList: 'X-Request-Id' });
    const next = reader(t);
    const answer = post(port(t), 'hello', {
      headers: {
        'x-edgeplane-key': encodeURIComponent('ключ 1'),
        'x-edgeplane-headers': encodeURIComponent(JSON.stringify({ 'x-a': 'ü' })),
        'x-request-id': 'r-1',
        'x-other': 'dropped',
      },
    });
    const batch = await next();
    expect(batch.messages).toHaveLength(1);
    const m = batch.messages[0];
    expect(Buffer.from(m?.body ?? []).toString()).toBe('hello');
    expect(m?.key).toBe('ключ 1');
    expect(m?.headers).toEqual({ 'x-a': 'ü', 'x-request-id': 'r-1' });
    expect(await settledWithin(answer, 300), 'answered before the ack').toBe(false);
    await batch.ack();
    expect((await answer).status).toBe(204);
    expect(t.stats.acknowledged).toBe(1);
  });

  it('authToken: 401 without, 403 with another token, taken with the right one', async () => {
    const t = await ingress({ authToken: 'tok-123' });
    expect((await post(port(t), 'x')).status).toBe(401);
    expect((await post(port(t), 'x', { headers: { authorization: 'Bearer nope' } })).status).toBe(
      403,
    );
    const next = reader(t);
    const ok = post(port(t), 'x', { headers: { authorization: 'Bearer tok-123' } });
    await (await next()).ack();
    expect((await ok).status).toBe(204);
    expect(t.stats.unauthorized).toBe(2);
  });

  it('hmacSecret: a missing or wrong signature is 401, the right one (sha256=<hex>) is taken', async () => {
    const t = await ingress({ hmacSecret: 'shh' });
    expect((await post(port(t), 'body')).status).toBe(401);
    expect(
      (
        await post(port(t), 'body', {
          headers: { 'x-signature': signBody('other', Buffer.from('body')) },
        })
      ).status,
    ).toBe(401);
    const next = reader(t);
    const ok = post(port(t), 'body', {
      headers: { 'x-signature': signBody('shh', Buffer.from('body')) },
    });
    await (await next()).ack();
    expect((await ok).status).toBe(204);
  });

  it('404 for another path, 405 for GET, 400 for a bad X-Edgeplane-Headers', async () => {
    const t = await ingress({ path: '/in' });
    expect((await post(port(t), 'x', { path: '/other' })).status).toBe(404);
    const get = await post(port(t), '', { path: '/in', method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, PUT');
    expect(
      (
        await post(port(t), 'x', {
          path: '/in?q=1',
          headers: { 'x-edgeplane-headers': '%7Bnot json' },
        })
      ).status,
    ).toBe(400);
  });

  it('413 over maxBodyBytes, by Content-Length and while reading a chunked body (reading stops)', async () => {
    const t = await ingress({ maxBodyBytes: 1000 });
    expect((await post(port(t), 'x'.repeat(1001))).status).toBe(413);
    const big = await post(port(t), Buffer.alloc(5_000_000, 0x61), { chunked: true }).catch(
      (e: Error) => ({ status: -1, error: e }),
    );
    // The answer comes before the client finished sending (it may then see the socket close).
    expect([413, -1]).toContain(big.status);
    expect(t.stats.tooLarge).toBe(2);
    expect(t.stats.inFlight).toBe(0);
  });

  it('429 with Retry-After when the window (maxInFlight) is full; taken again once acknowledged', async () => {
    const t = await ingress({ maxInFlight: 2, retryAfterSeconds: 3 });
    const next = reader(t);
    const a = post(port(t), 'a');
    const b = post(port(t), 'b');
    const got: InboundBatch[] = [];
    let n = 0;
    while (n < 2) {
      const batch = await next();
      got.push(batch);
      n += batch.messages.length;
    }
    const c = await post(port(t), 'c');
    expect(c.status).toBe(429);
    expect(c.headers['retry-after']).toBe('3');
    for (const batch of got) await batch.ack();
    expect([(await a).status, (await b).status]).toEqual([204, 204]);
    const d = post(port(t), 'd');
    await (await next()).ack();
    expect((await d).status).toBe(204);
  });

  it('a request whose client went away before the ack is not answered, and nothing breaks', async () => {
    const t = await ingress();
    const next = reader(t);
    let client: ReturnType<typeof import('node:http').request> | undefined;
    const gone = post(port(t), 'bye', { onRequest: (r) => (client = r) }).catch(() => 'gone');
    const batch = await next();
    client?.destroy();
    expect(await gone).toBe('gone');
    await sleep(50);
    await batch.ack();
    expect(t.stats.gone).toBe(1);
    expect(t.stats.acknowledged).toBe(0);
    expect(t.stats.inFlight).toBe(0);
  });

  it('NDJSON: one message per line (CRLF too), answered only once every line was acknowledged', async () => {
    const t = await ingress({ framing: 'ndjson' });
    const next = reader(t);
    const answer = post(port(t), 'one\r\ntwo\n\nfour');
    const batch = await next();
    expect(batch.messages.map((m) => Buffer.from(m.body).toString())).toEqual([
      'one',
      'two',
      '',
      'four',
    ]);
    await batch.ack(3);
    expect(await settledWithin(answer, 200), 'answered before every line was acknowledged').toBe(
      false,
    );
    await batch.ack();
    expect((await answer).status).toBe(204);
  });

  it('close(): requests not yet acknowledged are answered 503 with Retry-After, never 2xx', async () => {
    const t = await ingress();
    const next = reader(t);
    const answer = post(port(t), 'late');
    await next();
    await t.close();
    const a = await answer;
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('1');
  });
});

describe('egress against a plain node:http server', () => {
  it('POSTs each message with its key, headers, static headers and bearer token; ok on 2xx', async () => {
    const s = await server();
    const t = await egress({
      url: `${s.url}/hook?x=1`,
      authToken: 'tok',
      headers: { 'X-Api-Version': '2' },
    });
    const result = await t.send([
      { body: Buffer.from('a'), key: 'k é', headers: { h: 'v' } },
      { body: Buffer.from('b') },
    ]);
    expect(result.status).toBe('ok');
    expect(s.received.map((r) => r.body.toString())).toEqual(['a', 'b']);
    const [first] = s.received;
    expect(first?.url).toBe('/hook?x=1');
    expect(first?.method).toBe('POST');
    expect(first?.headers.authorization).toBe('Bearer tok');
    expect(first?.headers['x-api-version']).toBe('2');
    expect(decodeURIComponent(String(first?.headers['x-edgeplane-key']))).toBe('k é');
    expect(JSON.parse(decodeURIComponent(String(first?.headers['x-edgeplane-headers'])))).toEqual({
      h: 'v',
    });
  });

  it('statuses: 5xx and 429 retryable (Retry-After carried), 4xx fail the message alone, 401 fails the batch naming authToken', async () => {
    const s = await server();
    const t = await egress({ url: s.url, authToken: 'secret-token-xyz' });
    s.answer = (_r, res) => void res.writeHead(503).end('down');
    const r503 = await t.send([{ body: Buffer.from('x') }]);
    expect(r503.status).toBe('retryable');
    s.answer = (_r, res) => void res.writeHead(429, { 'retry-after': '2' }).end();
    const r429 = await t.send([{ body: Buffer.from('x') }]);
    expect(r429).toMatchObject({ status: 'retryable', retryAfterMs: 2000 });
    s.answer = (r, res) =>
      void res
        .writeHead(r.body.toString() === 'bad' ? 422 : r.body.toString() === 'big' ? 413 : 200)
        .end();
    const partial = await t.send([
      { body: Buffer.from('good') },
      { body: Buffer.from('bad') },
      { body: Buffer.from('big') },
    ]);
    expect(partial.status).toBe('partial');
    if (partial.status === 'partial')
      expect(partial.rejected.map((r) => [r.index, r.error.code])).toEqual([
        [1, 'invalid-input'],
        [2, 'too-large'],
      ]);
    s.answer = (_r, res) => void res.writeHead(401).end();
    const r401 = await t.send([{ body: Buffer.from('x') }]);
    expect(r401.status).toBe('failed');
    if (r401.status === 'failed') {
      expect(r401.error.code).toBe('unauthenticated');
      expect(r401.error.hint).toContain('"authToken"');
      expect(JSON.stringify(r401.error.message)).not.toContain('secret-token-xyz');
    }
  });

  it('errors never show the URL userinfo or query token', async () => {
    const s = await server();
    s.answer = (_r, res) => void res.writeHead(500).end();
    const t = await egress({ url: `http://user:pa55word@127.0.0.1:${s.port}/p?token=t0ken` });
    const r = await t.send([{ body: Buffer.from('x') }]);
    expect(r.status).toBe('retryable');
    if (r.status === 'retryable') {
      expect(r.error.message).toContain(`127.0.0.1:${s.port}/p`);
      expect(r.error.message).not.toMatch(/pa55word|t0ken|user/);
    }
    expect(s.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:pa55word').toString('base64')}`,
    );
  });

  it('concurrency: at most `concurrency` requests at once over keep-alive connections', async () => {
    const s = await server();
    s.answer = async (_r, res) => {
      await sleep(30);
      res.writeHead(200).end();
    };
    const t = await egress({ url: s.url, concurrency: 4 });
    expect(t.capabilities.ordering).toBe('none');
    const batch = Array.from({ length: 16 }, (_, i) => ({ body: Buffer.from(`m${i}`) }));
    expect((await t.send(batch)).status).toBe('ok');
    expect(s.received).toHaveLength(16);
    expect(s.concurrent.max).toBe(4);
  });

  it('NDJSON: one request per batch (split by maxInFlight lines), keys and headers not sent', async () => {
    const s = await server();
    const t = await egress({ url: s.url, batching: 'ndjson', maxInFlight: 3 });
    const batch = Array.from({ length: 5 }, (_, i) => ({ body: Buffer.from(`l${i}`), key: 'k' }));
    expect((await t.send(batch)).status).toBe('ok');
    expect(s.received.map((r) => r.body.toString())).toEqual(['l0\nl1\nl2\n', 'l3\nl4\n']);
    expect(s.received[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(s.received[0]?.headers['x-edgeplane-key']).toBeUndefined();
  });

  it('timeoutMs: a server that never answers is a retryable timeout; a closed port is unavailable', async () => {
    const s = await server();
    s.answer = () => {};
    const t = await egress({ url: s.url, timeoutMs: 300 });
    const r = await t.send([{ body: Buffer.from('x') }]);
    expect(r.status).toBe('retryable');
    if (r.status === 'retryable') expect(r.error.code).toBe('timeout');
    const closed = await egress({ url: 'http://127.0.0.1:1/' });
    const c = await closed.send([{ body: Buffer.from('x') }]);
    expect(c.status === 'retryable' && c.error.code).toBe('unavailable');
  });

  it('hmacSecret: the egress signs the body as the ingress checks it', async () => {
    const s = await server();
    const t = await egress({ url: s.url, hmacSecret: 'k' });
    await t.send([{ body: Buffer.from('payload') }]);
    expect(s.received[0]?.headers['x-signature']).toBe(signBody('k', Buffer.from('payload')));
  });
});

describe('egress: a batch sent again after retryable', () => {
  it('does not send again the messages an earlier attempt delivered (2xx)', async () => {
    const s = await server();
    let failOnce = true;
    s.answer = (r, res) => {
      if (r.body.toString() === 'b' && failOnce) {
        failOnce = false;
        res.writeHead(503).end();
      } else res.writeHead(204).end();
    };
    const t = await egress({ url: s.url });
    const batch = ['a', 'b', 'c'].map((x) => ({ body: Buffer.from(x) }));
    expect((await t.send(batch)).status).toBe('retryable');
    expect((await t.send(batch)).status).toBe('ok');
    expect(s.received.map((r) => r.body.toString())).toEqual(['a', 'b', 'b', 'c']);
  });
});

describe('egress connection state (the snapshot)', () => {
  it('ready → reconnecting (with the error) while the peer is down → ready once it answers again', async () => {
    const s = await server();
    const states: string[] = [];
    const errors: string[] = [];
    const t = createHttpTransport({ url: s.url });
    open.push(t);
    await t.open({
      role: 'egress',
      onStateChange: (state, error) => {
        states.push(state);
        if (error) errors.push(error.code);
      },
    });
    expect((await t.send([{ body: Buffer.from('1') }])).status).toBe('ok');
    const port = s.port;
    await s.close();
    const down = await t.send([{ body: Buffer.from('2') }]);
    expect(down.status).toBe('retryable');
    if (down.status === 'retryable') expect(down.error.message).toContain('connection refused');
    // The peer comes back on the same port.
    const again = (await import('node:http')).createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', () => resolve()));
    open.push({ close: () => new Promise<void>((resolve) => again.close(() => resolve())) });
    expect((await t.send([{ body: Buffer.from('3') }])).status).toBe('ok');
    expect(states).toEqual(['ready', 'reconnecting', 'ready']);
    expect(errors).toEqual(['unavailable']);
  });
});
