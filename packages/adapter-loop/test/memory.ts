import { EdgeplaneError } from '@edgeplane/errors';
import type {
  InboundBatch,
  InboundMessage,
  OutboundMessage,
  SendResult,
  Transport,
} from '../src/transport/types.js';

const caps = {
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
} as const;

/** An in-process source over a fixed list, resuming from `committed` (its ack position). */
export class MemorySource implements Transport {
  readonly name: string = 'memory';
  readonly capabilities: typeof caps = caps;
  committed = 0;
  readonly ackCalls: number[] = [];
  constructor(
    readonly bodies: readonly string[],
    private readonly batchSize = 10,
    private readonly idleForever = false,
  ) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async *receive(options: { signal: AbortSignal }): AsyncIterable<InboundBatch> {
    let next = this.committed;
    while (next < this.bodies.length && !options.signal.aborted) {
      const start = next;
      const messages: InboundMessage[] = this.bodies
        .slice(start, start + this.batchSize)
        .map((b, i) => ({
          id: `m${start + i}`,
          position: String(start + i + 1),
          body: Buffer.from(b),
        }));
      next += messages.length;
      yield {
        messages,
        ack: async (count = messages.length) => {
          this.ackCalls.push(start + count);
          if (start + count > this.committed) this.committed = start + count;
        },
        nack: async () => {},
      };
      await Promise.resolve();
    }
    if (this.idleForever && !options.signal.aborted) {
      await new Promise<void>((resolve) =>
        options.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  }
}

/** An in-process sink; `script` answers each send in turn (then ok). */
export class MemorySink implements Transport {
  readonly name: string = 'memory';
  readonly capabilities: typeof caps = caps;
  readonly received: string[] = [];
  sends = 0;
  constructor(
    private readonly script: (SendResult | 'hang' | 'deaf')[] = [],
    private readonly delayMs = 0,
  ) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    const step = this.script[this.sends++];
    // A send that ignores its abort signal (a client stuck on a dead connection).
    if (step === 'deaf') return new Promise<SendResult>(() => {});
    if (step === 'hang') {
      await new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      return { status: 'failed', error: new EdgeplaneError('cancelled', 'memory', 'aborted') };
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (step && step.status !== 'ok') return step;
    for (const m of batch) this.received.push(Buffer.from(m.body).toString());
    return { status: 'ok' };
  }
}

export const bodies = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i}`);

type S = { id: string; stage: string; dependsOn: number[] };
export const spec = (
  stages: S[] = [{ id: 's0', stage: 'identity', dependsOn: [] }],
  capacity = 64,
): { name: string; capacity: number; stages: S[] } => ({
  name: 'test',
  capacity: capacity,
  stages: stages,
});
