import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { createHttpTransport, type HttpTransport } from '../src/index.js';
import { post } from './support/http-peer.js';

/**
 * Overload: many more concurrent clients than the window. The ingress answers the excess 429 /
 * 503 at once (never queues it), never holds more than its window, and answers 2xx exactly the
 * requests whose message the consumer acknowledged. Memory is measured in the bench, not here.
 */
let ingress: HttpTransport | undefined;
afterEach(async () => {
  await ingress?.close();
});

it('a flood over the window: excess answered 429 with Retry-After, window kept, 2xx only for acknowledged messages', async () => {
  const maxInFlight = 16;
  const maxPendingRequests = 32;
  ingress = createHttpTransport({
    listen: '127.0.0.1:0',
    maxInFlight,
    maxPendingRequests,
    maxBodyBytes: 4096,
  });
  await ingress.open({ role: 'ingress' });
  const t = ingress;
  const port = t.address?.port ?? 0;
  const acked = new Set<string>();
  let peakInFlight = 0;
  let peakPending = 0;
  const sampler = setInterval(() => {
    peakInFlight = Math.max(peakInFlight, t.stats.inFlight);
    peakPending = Math.max(peakPending, t.stats.pendingRequests);
  }, 1);
  // A slow consumer: acknowledges a batch every 20 ms.
  const controller = new AbortController();
  const consumer = (async () => {
    for await (const batch of t.receive({ signal: controller.signal })) {
      await sleep(20);
      for (const m of batch.messages) acked.add(Buffer.from(m.body).toString());
      await batch.ack();
    }
  })();
  const CLIENTS = 400;
  const answers = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      post(port, `msg-${i}-${'x'.repeat(1000)}`).then(
        (a) => ({ i, status: a.status, retryAfter: a.headers['retry-after'] }),
        () => ({ i, status: 0, retryAfter: undefined }),
      ),
    ),
  );
  clearInterval(sampler);
  controller.abort();
  await consumer;
  const by = (s: number) => answers.filter((a) => a.status === s);
  const ok = by(204);
  const busy = answers.filter((a) => a.status === 429 || a.status === 503);
  expect(
    ok.length + busy.length,
    JSON.stringify(answers.filter((a) => a.status !== 204 && a.status !== 429)),
  ).toBe(CLIENTS);
  expect(busy.length, 'the flood was refused in part').toBeGreaterThan(CLIENTS / 4);
  expect(ok.length).toBeGreaterThan(0);
  for (const a of busy) expect(a.retryAfter).toBe('1');
  // No request answered 2xx whose message the consumer did not acknowledge, and the reverse.
  for (const a of ok) expect(acked.has(`msg-${a.i}-${'x'.repeat(1000)}`), `#${a.i}`).toBe(true);
  expect(acked.size).toBe(ok.length);
  expect(peakInFlight).toBeLessThanOrEqual(maxInFlight);
  expect(peakPending).toBeLessThanOrEqual(maxPendingRequests);
  expect(t.stats.busy).toBe(busy.length);
});
