import { once } from 'node:events';
import { freePort } from '@edgeplane/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createWebSocketTransport, type WebSocketTransport } from '../src/index.js';

// The peer restarts mid-run; the open transport recovers on its own (reconnecting → ready) and
// nothing is lost. The egress faces a listening ingress (this transport) that is closed and
// started again on the same port; the dialling ingress faces an independent `ws` server that
// pushes edgeplane.v1 frames, resends what was not acked on a new connection, and restarts.

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const body = (i: number) => Buffer.from(`m-${i}`);

describe('peer restart mid-run', () => {
  it('egress: the listening ingress restarts on the same port; every message arrives', async () => {
    const port = await freePort();
    const listen = () => {
      const t = createWebSocketTransport({ listen: `127.0.0.1:${port}`, maxInFlight: 64 });
      closers.push(() => t.close());
      return t;
    };
    const received: string[] = [];
    const drain = (t: WebSocketTransport, signal: AbortSignal) =>
      (async () => {
        for await (const batch of t.receive({ signal })) {
          received.push(...batch.messages.map((m) => Buffer.from(m.body).toString()));
          await batch.ack();
        }
      })();
    let ingress = listen();
    await ingress.open({ role: 'ingress' });
    let reading = new AbortController();
    let drained = drain(ingress, reading.signal);
    const egress = createWebSocketTransport({
      url: `ws://127.0.0.1:${port}/`,
      reconnectMaxDelayMs: 100,
    });
    closers.push(() => egress.close());
    const states: string[] = [];
    await egress.open({ role: 'egress', onStateChange: (s) => states.push(s) });
    let retries = 0;
    for (let b = 0; b < 20; b++) {
      const batch = Array.from({ length: 50 }, (_, i) => ({ body: body(b * 50 + i) }));
      if (b === 8) {
        // the peer goes away mid-run and comes back on the same port
        reading.abort();
        await drained;
        await ingress.close();
        ingress = listen();
        setTimeout(async () => {
          await ingress.open({ role: 'ingress' });
          reading = new AbortController();
          drained = drain(ingress, reading.signal);
        }, 300);
      }
      for (;;) {
        const r = await egress.send(batch);
        if (r.status === 'ok') break;
        expect(r.status).toBe('retryable');
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(retries, 'the sends during the outage were retryable').toBeGreaterThan(0);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('ready');
    const want = Array.from({ length: 1000 }, (_, i) => `m-${i}`);
    expect([...new Set(received)].sort()).toEqual(want.sort());
    reading.abort();
  });

  it('dialling ingress: the pushing ws server restarts; it reconnects and gets every message', async () => {
    const port = await freePort();
    const N = 500;
    let acked = 0;
    const serve = async () => {
      const wss = new WebSocketServer({
        host: '127.0.0.1',
        port,
        handleProtocols: (p) => (p.has('edgeplane.v1') ? 'edgeplane.v1' : false),
      });
      await once(wss, 'listening');
      wss.on('connection', (ws: WebSocket) => {
        // a new connection: sequences restart at 1; resend everything not acked yet
        const base = acked;
        let seq = 0;
        ws.on('message', (d) => {
          acked = Math.max(acked, base + JSON.parse(String(d)).ack);
        });
        // paced (10 frames every 5 ms), so that the restart comes while frames are still due
        void (async () => {
          for (let i = base; i < N && ws.readyState === WebSocket.OPEN; i++) {
            const b = body(i);
            const f = Buffer.alloc(11 + b.length);
            f[0] = 1;
            f.writeUIntBE(++seq, 1, 6);
            b.copy(f, 11);
            ws.send(f);
            if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
          }
        })();
      });
      return wss;
    };
    let wss = await serve();
    closers.push(() => wss.close());
    const ingress = createWebSocketTransport({
      url: `ws://127.0.0.1:${port}/`,
      maxInFlight: 32,
      reconnectMaxDelayMs: 100,
    });
    closers.push(() => ingress.close());
    const states: string[] = [];
    await ingress.open({ role: 'ingress', onStateChange: (s) => states.push(s) });
    const received = new Set<string>();
    const controller = new AbortController();
    let restarted = false;
    for await (const batch of ingress.receive({ signal: controller.signal })) {
      for (const m of batch.messages) received.add(Buffer.from(m.body).toString());
      await batch.ack();
      if (!restarted && received.size >= 100) {
        restarted = true;
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        setTimeout(async () => {
          wss = await serve();
        }, 300);
      }
      if (received.size >= N) break;
    }
    expect(received.size).toBe(N);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('ready');
  });
});
