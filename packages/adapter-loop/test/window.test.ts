import { describe, expect, it } from 'vitest';
import { createLoop } from '../src/index.js';
import type { InboundBatch, Transport, TransportCapabilities } from '../src/transport/types.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

/** A push-style source with a window of one: the next message only after the last is acked. */
class WindowOfOne implements Transport {
  readonly name = 'window';
  readonly capabilities: TransportCapabilities;
  committed = 0;
  constructor(
    readonly bodies: readonly string[],
    maxInFlight = 1,
  ) {
    this.capabilities = { ...new MemorySource([]).capabilities, maxInFlight };
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async *receive(options: { signal: AbortSignal }): AsyncIterable<InboundBatch> {
    for (let i = this.committed; i < this.bodies.length && !options.signal.aborted; i++) {
      let acked!: () => void;
      const wait = new Promise<void>((resolve) => {
        acked = resolve;
      });
      yield {
        messages: [{ id: `m${i}`, body: Buffer.from(this.bodies[i] ?? '') }],
        ack: async () => {
          this.committed = i + 1;
          acked();
        },
        nack: async () => {},
      };
      await wait;
    }
  }
}

describe('a source that declares a flow-control window (capabilities.maxInFlight)', () => {
  it('gets egress batches closed at the window, not after lingerMs', async () => {
    const source = new WindowOfOne(bodies(20));
    const sink = new MemorySink();
    const t0 = performance.now();
    const r = await createLoop({
      spec: spec(),
      ingress: { transport: source },
      egress: { transport: sink },
      batch: { lingerMs: 1000 },
    }).run();
    expect(r).toMatchObject({ state: 'stopped', ackedMessages: 20 });
    expect(sink.received).toEqual(bodies(20));
    // 20 messages one at a time: with linger 1 s per batch this would take 20 s.
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('refuses a window that is not an integer ≥ 1', () => {
    const bad = new WindowOfOne([], 0);
    expect(() =>
      createLoop({
        spec: spec(),
        ingress: { transport: bad },
        egress: { transport: new MemorySink() },
      }),
    ).toThrow('ingress.transport.capabilities.maxInFlight: expected an integer ≥ 1, got 0');
  });
});
