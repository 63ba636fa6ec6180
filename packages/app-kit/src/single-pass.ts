import {
  createLoop,
  type InboundBatch,
  type LoopResult,
  type OutboundMessage,
  type SendResult,
  type StageResolver,
  type Transport,
} from '@edgeplane/adapter-loop';
import type { SingleRingSpec } from '@edgeplane/spec-kv';

const CAPS = {
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: false,
  replay: false,
  keys: false,
  headers: false,
  delivery: 'at-most-once',
  framing: 'line',
} as const;

function splitLines(input: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(0x0a, start);
    if (nl < 0) nl = buf.length;
    const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
    out.push(buf.subarray(start, end));
    start = nl + 1;
  }
  return out;
}

/**
 * `run --sp`: one-shot bring-up (reference: "run --sp supports one-shot bring-up and explicit
 * test input for SingleRing runs"). Runs the spec's stages over the lines of `input` (LF or
 * CRLF) with no adapters and calls `emit` with each output body, in order.
 */
export async function runSinglePass(input: {
  readonly spec: SingleRingSpec;
  readonly specHash?: string;
  readonly stages?: StageResolver;
  readonly input: Uint8Array;
  readonly emit: (body: Uint8Array) => void;
}): Promise<LoopResult> {
  const lines = splitLines(input.input);
  const source: Transport = {
    name: 'sp-input',
    capabilities: CAPS,
    open: async () => {},
    close: async () => {},
    async *receive(): AsyncIterable<InboundBatch> {
      const messages = lines.map((body, i) => ({ id: `line-${i + 1}`, body }));
      if (messages.length > 0) yield { messages, ack: async () => {}, nack: async () => {} };
    },
  };
  const sink: Transport = {
    name: 'sp-output',
    capabilities: CAPS,
    open: async () => {},
    close: async () => {},
    async send(batch: readonly OutboundMessage[]): Promise<SendResult> {
      for (const m of batch) input.emit(m.body);
      return { status: 'ok' };
    },
  };
  return createLoop({
    spec: input.spec,
    specHash: input.specHash,
    stages: input.stages,
    ingress: { transport: source, name: 'sp-input' },
    egress: { transport: sink, name: 'sp-output' },
    batch: { lingerMs: 0 },
    retry: { maxRetries: 0 },
  }).run();
}
