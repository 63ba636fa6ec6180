import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createTestPki, type TestPki } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcTransport, type GrpcTransport } from '../src/index.js';
import type { IngestRequest, IngestService } from '../src/ingest.js';
import { serviceFor } from '../src/service.js';

// The egress against a server that is not this package's ingress: a hand-written connect-node
// server of the generated service (h2c, and TLS with mutual TLS), answering as told.

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

type Behaviour = (req: IngestRequest, ctx: HandlerContext) => Promise<number> | number;

interface Peer {
  readonly url: string;
  readonly calls: {
    bodies: string[];
    keys: (string | undefined)[];
    auth: string | null;
    path: string;
  }[];
  behave: Behaviour;
  close(): Promise<void>;
}

async function startPeer(
  tls?: { cert: string; key: string; ca: string },
  method = 'edgeplane.v1.IngestService/Ingest',
  listenPort = 0,
): Promise<Peer> {
  const calls: Peer['calls'] = [];
  const peer = { behave: (req: IngestRequest) => req.messages.length } as { behave: Behaviour };
  const desc = serviceFor(method).method as typeof IngestService.method.ingest;
  const handler = connectNodeAdapter({
    routes: (router: ConnectRouter) =>
      router.rpc(desc, async (req, ctx) => {
        calls.push({
          bodies: req.messages.map((m) => dec(m.body)),
          keys: req.messages.map((m) => m.key),
          auth: ctx.requestHeader.get('authorization'),
          path: ctx.method.parent.typeName,
        });
        return { accepted: await peer.behave(req, ctx) };
      }),
  });
  const server = tls
    ? http2.createSecureServer(
        { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
        handler,
      )
    : http2.createServer(handler);
  server.on('session', (s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(peer, {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(r, 200).unref();
      }),
  });
}

const transports: GrpcTransport[] = [];
const egress = (options: Record<string, unknown>) => {
  const t = createGrpcTransport(options as never);
  transports.push(t);
  return t;
};

let peer: Peer;
beforeAll(async () => {
  peer = await startPeer();
});
afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await peer.close();
});

describe('the egress, calling an independent connect-node server', () => {
  for (const protocol of ['grpc', 'grpcweb', 'connect'] as const) {
    it(`protocol=${protocol}: one call per batch, bodies, keys and the bearer token arrive`, async () => {
      peer.behave = (req) => req.messages.length;
      const before = peer.calls.length;
      const t = egress({ url: peer.url, protocol, authToken: 'tok-123' });
      await t.open({ role: 'egress' });
      const result = await t.send([
        { body: enc('one'), key: 'k' },
        { body: enc('two'), headers: { a: 'b' } },
      ]);
      expect(result).toEqual({ status: 'ok' });
      const call = peer.calls[before];
      expect(peer.calls.length - before).toBe(1);
      expect(call?.bodies).toEqual(['one', 'two']);
      expect(call?.keys).toEqual(['k', undefined]);
      expect(call?.auth).toBe('Bearer tok-123');
    });
  }

  const status = (code: Code, metadata?: Record<string, string>) => () => {
    throw new ConnectError('told so', code, metadata);
  };

  it('UNAVAILABLE, RESOURCE_EXHAUSTED (with pushback), ABORTED, DEADLINE_EXCEEDED are retryable', async () => {
    const t = egress({ url: peer.url });
    for (const [code, expected] of [
      [Code.Unavailable, 'unavailable'],
      [Code.ResourceExhausted, 'unavailable'],
      [Code.Aborted, 'unavailable'],
      [Code.DeadlineExceeded, 'timeout'],
    ] as const) {
      peer.behave = status(code, { 'grpc-retry-pushback-ms': '321' });
      const r = await t.send([{ body: enc('x') }]);
      expect(r.status, Code[code]).toBe('retryable');
      if (r.status === 'retryable') {
        expect(r.error.code).toBe(expected);
        expect(r.retryAfterMs).toBe(321);
      }
    }
  });

  it('a call slower than timeoutMs is a retryable timeout', async () => {
    peer.behave = () => new Promise((r) => setTimeout(() => r(1), 1500));
    const t = egress({ url: peer.url, timeoutMs: 300 });
    const started = Date.now();
    const r = await t.send([{ body: enc('slow') }]);
    expect(Date.now() - started).toBeLessThan(1200);
    expect(r.status).toBe('retryable');
    if (r.status === 'retryable') expect(r.error.code).toBe('timeout');
  });

  it('UNAUTHENTICATED and PERMISSION_DENIED are permanent and name authToken; INVALID_ARGUMENT is invalid-input', async () => {
    for (const [code, expected] of [
      [Code.Unauthenticated, 'unauthenticated'],
      [Code.PermissionDenied, 'permission-denied'],
      [Code.InvalidArgument, 'invalid-input'],
      [Code.Unimplemented, 'not-found'],
      [Code.Internal, 'internal'],
    ] as const) {
      peer.behave = status(code);
      const t = egress({ url: peer.url, authToken: 'not-printed' });
      const r = await t.send([{ body: enc('x') }]);
      expect(r.status, Code[code]).toBe('failed');
      if (r.status === 'failed') {
        expect(r.error.code).toBe(expected);
        expect(r.error.message).not.toContain('not-printed');
        if (code === Code.Unauthenticated) expect(r.error.hint).toMatch(/`authToken`/);
      }
    }
  });

  it('an answer with accepted < sent: the retry of the same batch sends only the rest', async () => {
    let first = true;
    peer.behave = (req) => {
      if (first) {
        first = false;
        return 2;
      }
      return req.messages.length;
    };
    const before = peer.calls.length;
    const t = egress({ url: peer.url });
    const batch = ['a', 'b', 'c', 'd'].map((s) => ({ body: enc(s) }));
    const r1 = await t.send(batch);
    expect(r1.status).toBe('retryable');
    expect(await t.send(batch)).toEqual({ status: 'ok' });
    expect(peer.calls.slice(before).map((c) => c.bodies)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('method=acme.logs.v1.LogSink/Push calls a user service of the same shape', async () => {
    const custom = await startPeer(undefined, 'acme.logs.v1.LogSink/Push');
    try {
      const t = egress({ url: custom.url, method: 'acme.logs.v1.LogSink/Push' });
      expect(await t.send([{ body: enc('custom') }])).toEqual({ status: 'ok' });
      expect(custom.calls[0]?.path).toBe('acme.logs.v1.LogSink');
      const wrong = egress({ url: custom.url });
      const r = await wrong.send([{ body: enc('x') }]);
      expect(r.status).toBe('failed');
      if (r.status === 'failed') expect(r.error.code).toBe('not-found');
    } finally {
      await custom.close();
    }
  });

  it('nothing listening yet: open() resolves reporting reconnecting, send() is retryable (ECONNREFUSED), then ok once the server is there', async () => {
    const { freePort } = await import('@edgeplane/test-servers');
    const port = await freePort();
    const states: string[] = [];
    const t = egress({ url: `http://127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    await t.open({ role: 'egress', onStateChange: (s) => states.push(s) });
    expect(states).toEqual(['reconnecting']);
    const r = await t.send([{ body: enc('x') }]);
    expect(r.status).toBe('retryable');
    if (r.status === 'retryable') expect(r.error.message).toContain('(ECONNREFUSED)');
    const late = await startPeer(undefined, undefined, port);
    try {
      expect(await t.send([{ body: enc('late') }])).toEqual({ status: 'ok' });
      expect(states.at(-1)).toBe('ready');
    } finally {
      await late.close();
    }
  });
});

describe('the egress over TLS to an independent connect-node server (mutual TLS)', () => {
  let pki: TestPki;
  let tlsPeer: Peer;
  beforeAll(async () => {
    pki = await createTestPki();
    const { readFileSync } = await import('node:fs');
    tlsPeer = await startPeer({
      cert: readFileSync(pki.server.cert, 'utf8'),
      key: readFileSync(pki.server.key, 'utf8'),
      ca: readFileSync(pki.ca, 'utf8'),
    });
  });
  afterAll(async () => {
    await tlsPeer?.close();
  });

  it('https:// with the CA and a client certificate: ok', async () => {
    tlsPeer.behave = (req) => req.messages.length;
    const t = egress({
      url: tlsPeer.url,
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.clientKeyEncrypted,
      tlsKeyPassphrase: pki.passphrase,
    });
    await t.open({ role: 'egress' });
    expect(await t.send([{ body: enc('secure') }])).toEqual({ status: 'ok' });
    expect(tlsPeer.calls.at(-1)?.bodies).toEqual(['secure']);
  });

  it('an unknown CA is a permanent tls error naming tlsCaFile', async () => {
    const t = egress({ url: tlsPeer.url });
    const e = await t.open({ role: 'egress' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'tls' });
    expect(String((e as Error).message)).toContain('"tlsCaFile"');
  });

  it('plaintext to the TLS port says to use https://', async () => {
    const t = egress({ url: tlsPeer.url.replace('https:', 'http:'), connectTimeoutMs: 2000 });
    const e = await t.open({ role: 'egress' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'tls' });
    expect((e as { hint?: string }).hint).toMatch(/https:\/\//);
  });
});
