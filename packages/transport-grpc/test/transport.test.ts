import { expect, it } from 'vitest';
import { createGrpcTransport } from '../src/index.js';

it('a 48 MiB call (three 16 MiB bodies) goes through, h2c, protocol grpc and connect', async () => {
  const source = createGrpcTransport({ listen: '127.0.0.1:0' });
  await source.open({ role: 'ingress' });
  try {
    for (const protocol of ['grpc', 'connect'] as const) {
      const sink = createGrpcTransport({ url: `http://${source.listening}`, protocol });
      const body = (c: number) => new Uint8Array(16 * 1024 * 1024).fill(c);
      const sending = sink.send([{ body: body(1) }, { body: body(2) }, { body: body(3) }]);
      const controller = new AbortController();
      const got: number[] = [];
      for await (const batch of source.receive({ signal: controller.signal })) {
        for (const m of batch.messages) {
          expect(m.body.byteLength).toBe(16 * 1024 * 1024);
          got.push(m.body[100] as number);
        }
        await batch.ack();
        if (got.length >= 3) break;
      }
      expect(got).toEqual([1, 2, 3]);
      expect(await sending).toEqual({ status: 'ok' });
      await sink.close();
    }
  } finally {
    await source.close();
  }
}, 60_000);

it('egress → ingress: a full window is a retryable result carrying the ingress pushback; ok once acknowledged', async () => {
  const source = createGrpcTransport({ listen: '127.0.0.1:0', maxInFlight: 2, retryAfterMs: 700 });
  await source.open({ role: 'ingress' });
  const sink = createGrpcTransport({ url: `http://${source.listening}` });
  try {
    const enc = (s: string) => new TextEncoder().encode(s);
    const first = sink.send([{ body: enc('a') }, { body: enc('b') }]);
    await new Promise((r) => setTimeout(r, 100));
    const other = createGrpcTransport({ url: `http://${source.listening}` });
    const refused = await other.send([{ body: enc('c') }]);
    await other.close();
    expect(refused.status).toBe('retryable');
    if (refused.status === 'retryable') {
      expect(refused.error.code).toBe('unavailable');
      expect(refused.error.message).toMatch(/RESOURCE_EXHAUSTED/);
      expect(refused.retryAfterMs).toBe(700);
    }
    const controller = new AbortController();
    for await (const batch of source.receive({ signal: controller.signal })) {
      await batch.ack();
      break;
    }
    expect(await first).toEqual({ status: 'ok' });
  } finally {
    await sink.close();
    await source.close();
  }
});
