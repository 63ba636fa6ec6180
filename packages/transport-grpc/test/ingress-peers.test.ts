import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport as createGrpcClientTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { createGrpcTransport, type GrpcTransport } from '../src/index.js';
import {
  IngestRequestSchema,
  IngestResponseSchema,
  IngestService,
  MessageSchema,
} from '../src/ingest.js';

// The ingress against clients that are not this package's egress: connect-node's own clients
// (gRPC, gRPC-Web, Connect) and plain `fetch` over HTTP/1.1 (Connect JSON, gRPC-Web binary).

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const open: GrpcTransport[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function ingress(options: Record<string, unknown> = {}): Promise<GrpcTransport> {
  const t = createGrpcTransport({ listen: '127.0.0.1:0', ...options });
  open.push(t);
  await t.open({ role: 'ingress' });
  return t;
}

/** Reads and acknowledges until `count` messages arrived; returns them. */
async function take(t: GrpcTransport, count: number) {
  const controller = new AbortController();
  const got: { body: string; key?: string | undefined; headers?: Record<string, string> }[] = [];
  for await (const batch of t.receive({ signal: controller.signal })) {
    for (const m of batch.messages)
      got.push({ body: dec(m.body), key: m.key, headers: { ...(m.headers ?? {}) } });
    await batch.ack();
    if (got.length >= count) break;
  }
  return got;
}

const clients = {
  grpc: createGrpcClientTransport,
  grpcweb: createGrpcWebTransport,
  connect: createConnectTransport,
} as const;

describe('the ingress, called by connect-node clients and plain fetch', () => {
  for (const [protocol, make] of Object.entries(clients)) {
    for (const httpVersion of ['2', '1.1'] as const) {
      if (protocol === 'grpc' && httpVersion === '1.1') continue; // gRPC needs HTTP/2
      it(`${protocol} over HTTP/${httpVersion}: the answer comes after the ack, with the count`, async () => {
        const t = await ingress();
        const client = createClient(
          IngestService,
          make({ baseUrl: `http://${t.listening}`, httpVersion }),
        );
        const messages = [
          create(MessageSchema, { body: enc('a'), key: 'k1', headers: { h: 'zoë ✓' } }),
          create(MessageSchema, { body: enc('b') }),
        ];
        let answered = false;
        const call = client.ingest({ messages }).then((r) => {
          answered = true;
          return r;
        });
        const controller = new AbortController();
        const it = t.receive({ signal: controller.signal })[Symbol.asyncIterator]();
        const first = await it.next();
        expect(first.done).toBe(false);
        const batch = first.value as InboundBatch;
        expect(batch.messages.map((m) => dec(m.body))).toEqual(['a', 'b']);
        expect(batch.messages[0]?.key).toBe('k1');
        expect(batch.messages[1]?.key).toBeUndefined();
        expect(batch.messages[0]?.headers).toEqual({ h: 'zoë ✓' });
        await new Promise((r) => setTimeout(r, 100));
        expect(answered, 'answered before the ack').toBe(false);
        await batch.ack();
        expect((await call).accepted).toBe(2);
        controller.abort();
        await it.return?.();
      });
    }
  }

  it('plain fetch, Connect JSON over HTTP/1.1', async () => {
    const t = await ingress();
    const reading = take(t, 1);
    const res = await fetch(`http://${t.listening}/edgeplane.v1.IngestService/Ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ body: Buffer.from('via fetch').toString('base64') }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1 });
    expect((await reading)[0]?.body).toBe('via fetch');
  });

  it('plain fetch, gRPC-Web binary over HTTP/1.1', async () => {
    const t = await ingress();
    const reading = take(t, 1);
    const payload = toBinary(
      IngestRequestSchema,
      create(IngestRequestSchema, { messages: [{ body: enc('grpc-web') }] }),
    );
    const frame = Buffer.alloc(5 + payload.length);
    frame.writeUInt32BE(payload.length, 1);
    Buffer.from(payload).copy(frame, 5);
    const res = await fetch(`http://${t.listening}/edgeplane.v1.IngestService/Ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: frame,
    });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body[0]).toBe(0); // a data frame first
    const len = body.readUInt32BE(1);
    expect(fromBinary(IngestResponseSchema, body.subarray(5, 5 + len)).accepted).toBe(1);
    expect(body.subarray(5 + len).toString('latin1')).toMatch(/grpc-status:\s*0/);
    expect((await reading)[0]?.body).toBe('grpc-web');
  });

  it('authToken: no token or a wrong one is UNAUTHENTICATED; the right one passes', async () => {
    const t = await ingress({ authToken: 's3cret-token' });
    const transport = createGrpcClientTransport({ baseUrl: `http://${t.listening}` });
    const client = createClient(IngestService, transport);
    const messages = [create(MessageSchema, { body: enc('x') })];
    for (const headers of [{}, { authorization: 'Bearer nope' }]) {
      const e = await client.ingest({ messages }, { headers }).catch((x: unknown) => x);
      expect(ConnectError.from(e).code).toBe(Code.Unauthenticated);
      expect(ConnectError.from(e).message).not.toContain('s3cret-token');
    }
    const reading = take(t, 1);
    const ok = await client.ingest(
      { messages },
      { headers: { authorization: 'Bearer s3cret-token' } },
    );
    expect(ok.accepted).toBe(1);
    await reading;
    expect(t.stats().callsRefused).toBe(2);
  });

  it('a full window answers RESOURCE_EXHAUSTED with grpc-retry-pushback-ms', async () => {
    const t = await ingress({ maxInFlight: 4, retryAfterMs: 250 });
    const client = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl: `http://${t.listening}` }),
    );
    const four = Array.from({ length: 4 }, (_, i) => create(MessageSchema, { body: enc(`${i}`) }));
    const held = client.ingest({ messages: four });
    await new Promise((r) => setTimeout(r, 100));
    const e = ConnectError.from(
      await client
        .ingest({ messages: [create(MessageSchema, { body: enc('x') })] })
        .catch((x) => x),
    );
    expect(e.code).toBe(Code.ResourceExhausted);
    expect(e.metadata.get('grpc-retry-pushback-ms')).toBe('250');
    expect(t.stats().held).toBe(4); // bounded: the refused call holds nothing
    await take(t, 4);
    expect((await held).accepted).toBe(4);
  });

  it('a call larger than the window is taken alone, in window-sized pieces', async () => {
    const t = await ingress({ maxInFlight: 3 });
    const client = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl: `http://${t.listening}` }),
    );
    const ten = Array.from({ length: 10 }, (_, i) => create(MessageSchema, { body: enc(`${i}`) }));
    const call = client.ingest({ messages: ten });
    const controller = new AbortController();
    const sizes: number[] = [];
    let n = 0;
    for await (const batch of t.receive({ signal: controller.signal })) {
      sizes.push(batch.messages.length);
      n += batch.messages.length;
      await batch.ack();
      if (n >= 10) break;
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect((await call).accepted).toBe(10);
  });

  it('a body over maxBodyBytes is INVALID_ARGUMENT naming the message', async () => {
    const t = await ingress({ maxBodyBytes: 8 });
    const client = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl: `http://${t.listening}` }),
    );
    const e = ConnectError.from(
      await client
        .ingest({ messages: [{ body: enc('ok') }, { body: enc('far too long') }] })
        .catch((x) => x),
    );
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toMatch(/message 1 has a body of 12 bytes/);
    expect(t.stats().held).toBe(0);
  });

  it('a deadline that passes before the ack is DEADLINE_EXCEEDED; the undelivered part is dropped', async () => {
    const t = await ingress();
    const client = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl: `http://${t.listening}` }),
    );
    const e = ConnectError.from(
      await client
        .ingest({ messages: [{ body: enc('late') }] }, { timeoutMs: 200 })
        .catch((x) => x),
    );
    expect(e.code).toBe(Code.DeadlineExceeded);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.stats().held).toBe(0); // nothing kept for a client that gave up
  });

  it('close(): calls not acknowledged get UNAVAILABLE; a partly acknowledged one gets OK with the count taken', async () => {
    const t = await ingress();
    const client = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl: `http://${t.listening}` }),
    );
    const five = Array.from({ length: 5 }, (_, i) => create(MessageSchema, { body: enc(`${i}`) }));
    const first = client.ingest({ messages: five });
    const controller = new AbortController();
    const iterator = t.receive({ signal: controller.signal })[Symbol.asyncIterator]();
    const batch = (await iterator.next()).value as { ack(n?: number): Promise<void> };
    await batch.ack(2);
    const second = client.ingest({ messages: [{ body: enc('never') }] }).catch((x) => x);
    await new Promise((r) => setTimeout(r, 100));
    await t.close();
    expect((await first).accepted).toBe(2);
    expect(ConnectError.from(await second).code).toBe(Code.Unavailable);
    const after = ConnectError.from(
      await client.ingest({ messages: [{ body: enc('after') }] }).catch((x) => x),
    );
    expect(after.code).toBe(Code.Unavailable);
  });

  it('a user method (method=acme.logs.v1.LogSink/Push) is served at its own path', async () => {
    const t = await ingress({ method: 'acme.logs.v1.LogSink/Push' });
    const reading = take(t, 1);
    const res = await fetch(`http://${t.listening}/acme.logs.v1.LogSink/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ body: Buffer.from('custom').toString('base64') }] }),
    });
    expect(await res.json()).toEqual({ accepted: 1 });
    expect((await reading)[0]?.body).toBe('custom');
    const other = await fetch(`http://${t.listening}/edgeplane.v1.IngestService/Ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(other.status).toBe(404);
  });
});

describe('the TLS ingress (listenTls*, mutual TLS), called by connect-node clients', () => {
  it('gRPC over h2 and Connect over HTTP/1.1 (ALPN), a client certificate required', async () => {
    const { createTestPki } = await import('@edgeplane/test-servers');
    const { readFileSync } = await import('node:fs');
    const pki = await createTestPki();
    const t = await ingress({
      listenTlsCertFile: pki.server.cert,
      listenTlsKeyFile: pki.server.key,
      listenTlsClientCaFile: pki.ca,
    });
    const ca = readFileSync(pki.ca, 'utf8');
    const cert = readFileSync(pki.client.cert, 'utf8');
    const key = readFileSync(pki.client.key, 'utf8');
    const baseUrl = `https://${t.listening}`;
    const grpc = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl, nodeOptions: { ca, cert, key } }),
    );
    const connect11 = createClient(
      IngestService,
      createConnectTransport({ baseUrl, httpVersion: '1.1', nodeOptions: { ca, cert, key } }),
    );
    const reading = take(t, 2);
    const [a, b] = await Promise.all([
      grpc.ingest({ messages: [{ body: enc('over h2') }] }),
      connect11.ingest({ messages: [{ body: enc('over http/1.1') }] }),
    ]);
    expect(a.accepted + b.accepted).toBe(2);
    expect((await reading).map((m) => m.body).sort()).toEqual(['over h2', 'over http/1.1']);
    const anonymous = createClient(
      IngestService,
      createGrpcClientTransport({ baseUrl, nodeOptions: { ca } }),
    );
    const refused = await anonymous
      .ingest({ messages: [{ body: enc('no cert') }] }, { timeoutMs: 5000 })
      .catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(Error);
    expect(t.stats().held).toBe(0);
  });

  it('a listenTls* file problem fails open() with a tls error naming the option', async () => {
    const t = createGrpcTransport({
      listen: '127.0.0.1:0',
      listenTlsCertFile: '/nonexistent/server.pem',
      listenTlsKeyFile: '/nonexistent/server.key',
    });
    open.push(t);
    const e = await t.open({ role: 'ingress' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'tls' });
    expect(String((e as Error).message)).toContain('listenTlsCertFile');
  });
});
