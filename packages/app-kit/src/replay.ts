import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type CapturedEgress,
  createLoop,
  decodeBody,
  type InboundBatch,
  type InboundMessage,
  parseAdapterConfig,
  REDACTED,
  type StageResolver,
  type Transport,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import { type CaptureSet, captureDirOf, readCapture } from './capture-read.js';
import { type LoadedSpec, loadSpec } from './deployment.js';
import { compareCapture, type ReplayDifference } from './replay-compare.js';

/** A bundle ready to replay: its spec, capture and stage settings. */
export interface ReplayBundle {
  /** The bundle directory as given. */
  readonly dir: string;
  readonly spec: LoadedSpec;
  readonly capture: CaptureSet;
  /** `stages.<id>.*` of the bundle's `adapters.kv`, for the spec's stage ids. */
  readonly stageSettings: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** What the operator should know: a changed spec, redacted or ignored stage settings. */
  readonly notes: readonly string[];
}

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

const CAPTURE_MAX_MESSAGES = 100_000;

/**
 * Reads an incident bundle for replay: `spec.kv` (checked as `loadSpec` does, stage keys against
 * `stages`), `capture/` and the stage settings of `adapters.kv` (optional).
 * @throws EdgeplaneError `invalid-input` for a bundle without spec or capture, naming the file and
 *   the fix; SpecParseError for a spec that does not parse.
 */
export async function loadReplayBundle(input: {
  readonly dir: string;
  readonly cwd: string;
  readonly stages: StageResolver;
}): Promise<ReplayBundle> {
  const root = resolve(input.cwd, input.dir);
  if (!existsSync(join(root, 'spec.kv')))
    throw new EdgeplaneError('invalid-input', 'app-kit', `${input.dir}/spec.kv: no such file`, {
      hint: 'give --bundle= a directory written by `edgeplane incident-bundle`',
    });
  const spec = await loadSpec(join(input.dir, 'spec.kv'), { cwd: input.cwd, stages: input.stages });
  const capture = await readCapture(captureDirOf(root), `${input.dir}/capture`);
  if (capture.ingress.length === 0 || capture.ingress.length > CAPTURE_MAX_MESSAGES)
    throw new EdgeplaneError(
      'invalid-input',
      'app-kit',
      `${input.dir}/capture/ingress.ndjson holds ${capture.ingress.length} messages: nothing to replay`,
      { hint: 'the run had captured nothing yet; write the bundle again once messages have moved' },
    );
  const notes: string[] = [];
  if (capture.meta.spec_hash && capture.meta.spec_hash !== spec.parsed.hash)
    notes.push(
      `the bundle's spec (${spec.parsed.hash}) is not the one the capture was made with (${capture.meta.spec_hash})`,
    );
  const stageSettings = await bundleStageSettings(root, input.dir, spec, notes);
  return { dir: input.dir, spec, capture, stageSettings, notes };
}

/** `stages.<id>.*` of the bundle's `adapters.kv` for the spec's stages; notes what is off. */
async function bundleStageSettings(
  root: string,
  dir: string,
  spec: LoadedSpec,
  notes: string[],
): Promise<Record<string, Record<string, string>>> {
  const path = join(root, 'adapters.kv');
  if (!existsSync(path)) return {};
  let stages: Readonly<Record<string, Readonly<Record<string, string>>>>;
  try {
    stages = parseAdapterConfig(await readFile(path), {
      file: `${dir}/adapters.kv`,
      env: {},
    }).stages;
  } catch (error) {
    notes.push(
      `${dir}/adapters.kv could not be read, so no stage settings: ${(error as Error).message}`,
    );
    return {};
  }
  const ids = new Set(spec.spec.stages.map((s) => s.id));
  const out: Record<string, Record<string, string>> = {};
  for (const [id, settings] of Object.entries(stages)) {
    if (!ids.has(id)) {
      notes.push(`stages.${id}.* ignored: the bundle's spec has no stage "${id}"`);
      continue;
    }
    out[id] = { ...settings };
    for (const [k, v] of Object.entries(settings))
      if (v === REDACTED)
        notes.push(`stages.${id}.${k} is ${REDACTED} in the bundle: the stage ran with that text`);
  }
  return out;
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
