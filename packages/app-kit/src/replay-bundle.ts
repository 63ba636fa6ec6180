import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAdapterConfig, REDACTED, type StageResolver } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import { type CaptureSet, captureDirOf, readCapture } from './capture-read.js';
import { type LoadedSpec, loadSpec } from './deployment.js';

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
