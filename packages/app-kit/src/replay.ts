import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CapturedEgress,
  createLoop,
  decodeBody,
  type InboundBatch,
  type InboundMessage,
  type StageResolver,
  type Transport,
} from '@edgeplane/adapter-loop';
import { type CaptureSet, captureDirOf, readCapture } from './capture-read.js';
import type { ReplayBundle } from './replay-bundle.js';
import { compareCapture, type ReplayDifference } from './replay-compare.js';

/** What `replayBundle` found: identical, or the first difference. Counts in messages. */
export interface ReplayReport {
  readonly bundle: string;
  readonly spec_name: string;
  readonly spec_hash: string;
  /** The spec hash the capture was made with (differs when the bundle's spec was changed). */
  readonly capture_spec_hash: string | null;
  /** Captured ingress messages run through the stages. */
  readonly messages: number;
  /** Of those, with a captured outcome, compared (the rest were not settled when captured). */
  readonly compared: number;
  readonly identical: boolean;
  readonly difference: ReplayDifference | null;
  /** Why the replay loop stopped early (a stage failed), if it did. */
  readonly error: string | null;
  readonly notes: readonly string[];
}

/** A source over the captured ingress messages (one batch), as the loop received them. */
function captureSource(capture: CaptureSet): Transport {
  const messages: InboundMessage[] = capture.ingress.map((r) => ({
    id: r.id,
    origin: r.origin,
    position: r.position,
    key: r.key,
    headers: r.headers,
    body: decodeBody(r),
  }));
  const none = async () => {};
  return {
    name: 'replay-input',
    capabilities: {
      source: true,
      sink: false,
      ordering: 'total',
      redelivery: false,
      replay: false,
      keys: true,
      headers: true,
      delivery: 'at-most-once',
      framing: 'message',
    },
    open: none,
    close: none,
    async *receive(): AsyncIterable<InboundBatch> {
      yield { messages, ack: none, nack: none };
    },
  };
}

/**
 * Runs a bundle's captured ingress messages through its spec's stages in one shot (no adapters:
 * governed stages as `stages` makes them; pass dry-run ones) and compares each message's outcome
 * with what the egress took when it was captured: identical, or the first difference.
 */
export async function replayBundle(
  bundle: ReplayBundle,
  stages: StageResolver,
): Promise<ReplayReport> {
  const sink: Transport = {
    name: 'replay-output',
    capabilities: {
      source: false,
      sink: true,
      ordering: 'total',
      redelivery: false,
      replay: false,
      keys: true,
      headers: true,
      delivery: 'at-most-once',
      framing: 'message',
    },
    open: async () => {},
    close: async () => {},
    send: async () => ({ status: 'ok' }),
  };
  const lanePath = await mkdtemp(join(tmpdir(), 'edgeplane-replay-'));
  try {
    const result = await createLoop({
      spec: bundle.spec.spec,
      specHash: bundle.spec.parsed.hash,
      stages,
      stageSettings: bundle.stageSettings,
      ingress: { transport: captureSource(bundle.capture), name: 'replay-input' },
      egress: { transport: sink, name: 'replay-output' },
      // A message a stage refuses is an outcome to compare (`rejected`), whatever the captured
      // run's policy was: the replay goes on past it instead of stopping there.
      failurePolicy: 'dead_letter',
      deadLetter: { transport: { ...sink, name: 'replay-refused' }, name: 'replay-refused' },
      batch: { lingerMs: 0 },
      retry: { maxRetries: 0 },
      lanePath,
      snapshotIntervalMs: 3_600_000,
      capture: { messages: bundle.capture.ingress.length, maxBytes: 1 << 30 },
    }).run();
    // Refused before anything moved (a stage not allowed, bad stage settings): not a difference.
    if (result.error && result.failedDuring === 'open') throw result.error;
    const replayed = await readCapture(captureDirOf(lanePath), 'replay');
    const got = new Map<number, CapturedEgress>();
    for (const [seq, r] of replayed.egress) got.set(seq, r);
    const { compared, difference } = compareCapture(bundle.capture, got);
    return {
      bundle: bundle.dir,
      spec_name: bundle.spec.spec.name,
      spec_hash: bundle.spec.parsed.hash,
      capture_spec_hash: bundle.capture.meta.spec_hash ?? null,
      messages: bundle.capture.ingress.length,
      compared,
      identical: difference === null,
      difference,
      error: result.error?.message ?? null,
      notes: bundle.notes,
    };
  } finally {
    await rm(lanePath, { recursive: true, force: true });
  }
}
