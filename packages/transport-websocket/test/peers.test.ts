import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createWebSocketTransport, type WebSocketTransport } from '../src/index.js';

// Each side against an independent peer written with plain `ws` (not the code under test), in
// both modes: edgeplane.v1 (at-least-once, acks) and none (plain frames, at-most-once). The
// peers below encode and decode the documented frame layout by hand (docs/transports/websocket.md).

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});
const track = <T extends { close(): unknown }>(t: T): T => {
  opened.push(t);
  return t;
};

/** A hand-written edgeplane.v1 data frame. */
function dataFrame(seq: number, body: string, meta?: object): Buffer {
  const m = meta ? Buffer.from(JSON.stringify(meta)) : Buffer.alloc(0);
  const head = Buffer.alloc(11);
  head[0] = 1;
  head.writeUIntBE(seq, 1, 6);
  head.writeUInt32BE(m.length, 7);
  return Buffer.concat([head, m, Buffer.from(body)]);
}

/** Decodes a data frame by hand: seq, meta, body. */
function parseFrame(frame: Buffer): { seq: number; meta: unknown; body: string } {
  const seq = frame.readUIntBE(1, 6);
  const m = frame.readUInt32BE(7);
  const meta = m ? JSON.parse(frame.subarray(11, 11 + m).toString()) : undefined;
  return { seq, meta, body: frame.subarray(11 + m).toString() };
}

async function wsServer(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = track(new WebSocketServer({ host: '127.0.0.1', port: 0, ...options }));
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  return { wss, url: `ws://127.0.0.1:${port}/` };
}

const v1Protocols = (offered: Set<string>) =>
  offered.has('edgeplane.v1') ? 'edgeplane.v1' : false;

async function listening(options: Parameters<typeof createWebSocketTransport>[0]) {
  const t = track(createWebSocketTransport({ listen: '127.0.0.1:0', ...options }));
  await t.open({ role: 'ingress' });
  return { t, url: `ws://${t.stats().listening}${options.path ?? '/'}` };
}

async function firstBatch(t: WebSocketTransport) {
  const controller = new AbortController();
  for await (const batch of t.receive({ signal: controller.signal })) return batch;
  throw new Error('no batch');
}

describe('egress against a plain ws server', () => {
  it('edgeplane.v1: frames carry seq, key, headers and the bytes; ok only after the peer acked', async () => {
    const { wss, url } = await wsServer({ handleProtocols: v1Protocols });
    const got: ReturnType<typeof parseFrame>[] = [];
    let ackNow: () => void = () => {};
    wss.on('connection', (ws) => {
      expect(ws.protocol).toBe('edgeplane.v1');
      ws.on('message', (data) => {
        const f = parseFrame(data as Buffer);
        got.push(f);
        if (got.length === 3) ackNow = () => ws.send(JSON.stringify({ ack: f.seq }));
      });
    });
    const egress = track(createWebSocketTransport({ url }));
    await egress.open({ role: 'egress' });
    let settled = false;
    const sending = egress
      .send([
        { body: Buffer.from('one'), key: 'k1', headers: { h: 'ä' } },
        { body: Buffer.from('two') },
        { body: Buffer.from('three'), key: 'k3' },
      ])
      .then((r) => {
        settled = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(settled, 'ok before the ack').toBe(false);
    ackNow();
    expect((await sending).status).toBe('ok');
    expect(got).toEqual([
      { seq: 1, meta: { k: 'k1', h: { h: 'ä' } }, body: 'one' },
      { seq: 2, meta: undefined, body: 'two' },
      { seq: 3, meta: { k: 'k3' }, body: 'three' },
    ]);
  });

  it('edgeplane.v1: a nack refuses that message alone (partial), a drop before the ack is retryable', async () => {
    const { wss, url } = await wsServer({ handleProtocols: v1Protocols });
    let n = 0;
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const f = parseFrame(data as Buffer);
        n++;
        if (n === 2) ws.send(JSON.stringify({ nack: f.seq, code: 'invalid-input', reason: 'bad' }));
        if (n === 3) ws.send(JSON.stringify({ ack: f.seq }));
        if (n === 4) ws.terminate();
      });
    });
    const egress = track(createWebSocketTransport({ url, reconnectMaxDelayMs: 100 }));
    await egress.open({ role: 'egress' });
    const r = await egress.send([
      { body: Buffer.from('a') },
      { body: Buffer.from('b') },
      { body: Buffer.from('c') },
    ]);
    expect(r.status).toBe('partial');
    if (r.status === 'partial') {
      expect(r.rejected.map((x) => x.index)).toEqual([1]);
      expect(r.rejected[0]?.error.message).toBe(
        '[transport:websocket] message 1 of the batch was refused by the peer: bad',
      );
    }
    const dropped = await egress.send([{ body: Buffer.from('d') }]);
    expect(dropped.status).toBe('retryable');
  });

  it('edgeplane.v1 against a server without the subprotocol: a permanent protocol error naming ackProtocol', async () => {
    const { url } = await wsServer({ handleProtocols: () => false });
    const egress = track(createWebSocketTransport({ url }));
    const error = await egress.open({ role: 'egress' }).catch((e: unknown) => e);
    expect(isEdgeplaneError(error) && error.code).toBe('protocol');
    expect((error as Error).message).toMatch(
      /asked for subprotocol "edgeplane\.v1".*option "ackProtocol"/,
    );
  });

  it('ackProtocol=none: each body is one frame, unchanged; ok once written; declares at-most-once', async () => {
    const { wss, url } = await wsServer();
    const frames: { data: Buffer; binary: boolean }[] = [];
    wss.on('connection', (ws) => {
      expect(ws.protocol).toBe('');
      ws.on('message', (data, binary) => frames.push({ data: data as Buffer, binary }));
    });
    const egress = track(createWebSocketTransport({ url, ackProtocol: 'none' }));
    expect(egress.capabilities.delivery).toBe('at-most-once');
    expect(egress.capabilities.keys || egress.capabilities.headers).toBe(false);
    await egress.open({ role: 'egress' });
    const bytes = Buffer.from([0xff, 0x00, 0x0a, 0xc3]);
    expect((await egress.send([{ body: bytes }, { body: Buffer.from('x') }])).status).toBe('ok');
    await new Promise((r) => setTimeout(r, 100));
    expect(frames.map((f) => [f.data, f.binary])).toEqual([
      [bytes, true],
      [Buffer.from('x'), true],
    ]);
    const text = track(createWebSocketTransport({ url, ackProtocol: 'none', frameType: 'text' }));
    await text.open({ role: 'egress' });
    const r = await text.send([{ body: Buffer.from('héllo') }, { body: bytes }]);
    expect(r.status).toBe('partial');
    await new Promise((r) => setTimeout(r, 100));
    expect(frames.at(-1)).toEqual({ data: Buffer.from('héllo'), binary: false });
  });

  it('backpressure: over highWaterMarkBytes sending waits for the socket; every frame arrives in order', async () => {
    const { wss, url } = await wsServer({ handleProtocols: v1Protocols });
    const seqs: number[] = [];
    wss.on('connection', (ws) => {
      ws.pause(); // a slow reader: nothing is read for 200 ms
      setTimeout(() => ws.resume(), 200);
      ws.on('message', (data) => {
        const f = parseFrame(data as Buffer);
        seqs.push(f.seq);
        if (f.seq % 100 === 0) ws.send(JSON.stringify({ ack: f.seq }));
      });
    });
    const egress = track(createWebSocketTransport({ url, highWaterMarkBytes: 1024 }));
    await egress.open({ role: 'egress' });
    const batch = Array.from({ length: 500 }, () => ({ body: Buffer.alloc(4096, 0x62) }));
    const started = Date.now();
    expect((await egress.send(batch)).status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('a 401 on the upgrade is a permanent unauthenticated error naming authToken, never showing it', async () => {
    const { url } = await wsServer({
      verifyClient: (
        info: { req: { headers: Record<string, unknown> } },
        cb: (ok: boolean, code?: number) => void,
      ) => cb(info.req.headers.authorization === 'Bearer right', 401),
      handleProtocols: v1Protocols,
    } as never);
    const egress = track(createWebSocketTransport({ url, authToken: 'wrong-secret' }));
    const error = await egress.open({ role: 'egress' }).catch((e: unknown) => e);
    expect(isEdgeplaneError(error) && error.code).toBe('unauthenticated');
    expect(String((error as { hint?: string }).hint)).toContain('authToken');
    expect(JSON.stringify(error) + String(error)).not.toContain('wrong-secret');
    const ok = track(createWebSocketTransport({ url, authToken: 'right' }));
    await expect(ok.open({ role: 'egress' })).resolves.toBeUndefined();
  });

  it('keep-alive: a peer that never answers pings is terminated and redialled', async () => {
    const { wss, url } = await wsServer({ handleProtocols: v1Protocols, autoPong: false } as never);
    let connections = 0;
    wss.on('connection', () => connections++);
    const egress = track(
      createWebSocketTransport({ url, pingIntervalMs: 150, reconnectMaxDelayMs: 100 }),
    );
    const states: string[] = [];
    await egress.open({ role: 'egress', onStateChange: (s) => states.push(s) });
    await new Promise((r) => setTimeout(r, 1200));
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(states).toContain('reconnecting');
    expect(states.slice(states.indexOf('reconnecting'))).toContain('ready');
  });
});

describe('listening ingress against a plain ws client', () => {
  it('edgeplane.v1: key, headers and bytes arrive; the ack frame is sent only after ack()', async () => {
    const { t, url } = await listening({ path: '/in' });
    const client = track(new WebSocket(url, ['edgeplane.v1']));
    await once(client, 'open');
    const acks: unknown[] = [];
    client.on('message', (d) => acks.push(JSON.parse(String(d))));
    client.send(dataFrame(1, 'first', { k: 'key', h: { a: 'b' } }));
    client.send(dataFrame(2, 'second'));
    const batch = await firstBatch(t);
    expect(batch.messages.map((m) => [m.key, m.headers, Buffer.from(m.body).toString()])).toEqual([
      ['key', { a: 'b' }, 'first'],
      [undefined, {}, 'second'],
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(acks, 'no ack before the loop acknowledged').toEqual([]);
    await batch.ack(1);
    await batch.ack();
    await new Promise((r) => setTimeout(r, 100));
    expect(acks).toEqual([{ ack: 1 }, { ack: 2 }]);
    expect(t.stats()).toMatchObject({ connections: 1, received: 2, acked: 2, held: 0 });
  });

  it('edgeplane.v1: a malformed frame is nacked alone', async () => {
    const { t, url } = await listening({});
    const client = track(new WebSocket(url, ['edgeplane.v1']));
    await once(client, 'open');
    const control: unknown[] = [];
    client.on('message', (d) => control.push(JSON.parse(String(d))));
    const bad = dataFrame(1, 'x');
    bad.writeUInt32BE(999, 7);
    client.send(bad);
    client.send(dataFrame(2, 'good'));
    const batch = await firstBatch(t);
    expect(batch.messages.map((m) => Buffer.from(m.body).toString())).toEqual(['good']);
    await batch.ack();
    await new Promise((r) => setTimeout(r, 100));
    expect(control).toEqual([
      { nack: 1, code: 'invalid-input', reason: 'meta length 999 is out of bounds' },
      { ack: 2 },
    ]);
  });

  it('refuses before the handshake: 401 without the token, 404 on another path, 400 without the subprotocol', async () => {
    const { url } = await listening({ path: '/in', authToken: 'tok' });
    const status = async (target: string, headers: Record<string, string>, protocols: string[]) => {
      const c = new WebSocket(target, protocols, { headers });
      c.on('error', () => {});
      const [, res] = (await once(c, 'unexpected-response')) as [unknown, { statusCode: number }];
      c.terminate();
      return res.statusCode;
    };
    expect(await status(url, {}, ['edgeplane.v1'])).toBe(401);
    expect(await status(url, { authorization: 'Bearer nope' }, ['edgeplane.v1'])).toBe(401);
    expect(
      await status(url.replace('/in', '/other'), { authorization: 'Bearer tok' }, ['edgeplane.v1']),
    ).toBe(404);
    expect(await status(url, { authorization: 'Bearer tok' }, [])).toBe(400);
    const ok = track(
      new WebSocket(url, ['edgeplane.v1'], { headers: { authorization: 'Bearer tok' } }),
    );
    await once(ok, 'open');
  });

  it('ackProtocol=none: text and binary frames arrive unchanged; declares at-most-once', async () => {
    const { t, url } = await listening({ ackProtocol: 'none' });
    expect(t.capabilities.delivery).toBe('at-most-once');
    const client = track(new WebSocket(url));
    await once(client, 'open');
    const bytes = Buffer.from([0, 0xff, 0x0a, 0x0d]);
    client.send('texté');
    client.send(bytes);
    const seen: Buffer[] = [];
    const controller = new AbortController();
    for await (const batch of t.receive({ signal: controller.signal })) {
      seen.push(...batch.messages.map((m) => Buffer.from(m.body)));
      await batch.ack();
      if (seen.length >= 2) break;
    }
    expect(seen).toEqual([Buffer.from('texté'), bytes]);
  });

  it('a frame over maxPayload closes that connection with 1009', async () => {
    const { url } = await listening({ maxPayload: 1024 });
    const client = track(new WebSocket(url, ['edgeplane.v1']));
    await once(client, 'open');
    client.send(Buffer.alloc(1024 + 11 + 64 * 1024 + 1));
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1009);
  });
});

describe('dialling ingress against a plain ws server that pushes', () => {
  it('edgeplane.v1: receives pushed frames and acks them to the server', async () => {
    const { wss, url } = await wsServer({ handleProtocols: v1Protocols });
    const acks: unknown[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d) => acks.push(JSON.parse(String(d))));
      ws.send(dataFrame(1, 'pushed-1'));
      ws.send(dataFrame(2, 'pushed-2', { h: { x: 'y' } }));
    });
    const t = track(createWebSocketTransport({ url }));
    await t.open({ role: 'ingress' });
    const seen: string[] = [];
    const controller = new AbortController();
    for await (const batch of t.receive({ signal: controller.signal })) {
      seen.push(...batch.messages.map((m) => Buffer.from(m.body).toString()));
      await batch.ack();
      if (seen.length >= 2) break;
    }
    expect(seen).toEqual(['pushed-1', 'pushed-2']);
    await new Promise((r) => setTimeout(r, 100));
    expect(acks.at(-1)).toEqual({ ack: 2 });
  });

  it('ackProtocol=none: plain pushed frames arrive; the server hears no acks', async () => {
    const { wss, url } = await wsServer();
    const heard: unknown[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d) => heard.push(d));
      ws.send('plain');
    });
    const t = track(createWebSocketTransport({ url, ackProtocol: 'none' }));
    await t.open({ role: 'ingress' });
    const batch = await firstBatch(t);
    expect(Buffer.from(batch.messages[0]?.body ?? []).toString()).toBe('plain');
    await batch.ack();
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([]);
  });
});

describe('both ends edgeplane with ackProtocol=none', () => {
  it('bodies arrive unchanged, in order; keys and headers are not carried', async () => {
    const { t: ingress, url } = await listening({ ackProtocol: 'none' });
    const egress = track(createWebSocketTransport({ url, ackProtocol: 'none' }));
    await egress.open({ role: 'egress' });
    const r = await egress.send([
      { body: Buffer.from('a'), key: 'dropped', headers: { x: 'dropped' } },
      { body: Buffer.from([0xff, 0x0a]) },
    ]);
    expect(r.status).toBe('ok');
    const seen: { body: Buffer; key?: string; headers?: object }[] = [];
    const controller = new AbortController();
    for await (const batch of ingress.receive({ signal: controller.signal })) {
      for (const m of batch.messages)
        seen.push({ body: Buffer.from(m.body), key: m.key, headers: m.headers });
      await batch.ack();
      if (seen.length >= 2) break;
    }
    expect(seen).toEqual([
      { body: Buffer.from('a'), key: undefined, headers: {} },
      { body: Buffer.from([0xff, 0x0a]), key: undefined, headers: {} },
    ]);
  });
});
