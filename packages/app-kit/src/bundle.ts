import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type LoopSnapshot, redactText } from '@edgeplane/adapter-loop';
import { EdgeplaneError, INPUT_LIMITS, readInputFile } from '@edgeplane/errors';
import { describeSpec, parseSpec } from '@edgeplane/spec-kv';
import { BUNDLE_CAPTURE_MAX_BYTES, copyCapture } from './capture-bundle.js';
import { bundleSecrets, type ConfigVariable, environmentRecord } from './environment.js';
import { readLaneSnapshot } from './lane-snapshot.js';
import { renderSnapshot } from './render.js';
import { RUNTIME } from './runtime.js';

/** Files every bundle has (reference 3.1), plus edgeplane's own. */
export const BUNDLE_FILES: readonly string[] = [
  'spec.kv',
  'spec_validation.json',
  'runtime.json',
  'policy_audit.json',
  'environment.json',
  'snapshot.json',
  'single_ring_snapshot.json',
];

/** What `writeIncidentBundle` needs. Every field is optional but `out` and `specPath`. */
export interface BundleInput {
  /** Directory to write into (created), relative to `cwd`. */
  readonly out: string;
  /** The spec to copy and validate, relative to `cwd`; read as a regular file of at most 1 MiB. */
  readonly specPath: string;
  /** Base of relative paths, and the working directory recorded in `environment.json`. */
  readonly cwd: string;
  /** The command line recorded in `environment.json` (scrubbed, see `environmentRecord`). */
  readonly args: readonly string[];
  /** The environment recorded in `environment.json` (allow-listed, see `environmentRecord`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The lane path whose snapshot the bundle carries. */
  readonly lanePath?: string | undefined;
  /** The redacted adapter config text, written as `adapters.kv`. */
  readonly redactedConfig?: string | undefined;
  /** An idle snapshot to use when no loop has written one to the lane path. */
  readonly idle?: LoopSnapshot | undefined;
  /** The policy audit record; a minimal one is written when absent. */
  readonly policyAudit?: unknown;
  /** Secret values (the adapter config's, `Deployment.secrets`) scrubbed from every file. */
  readonly secrets?: readonly string[] | undefined;
  /**
   * The variables the adapter config interpolates (`Deployment.variables`): their values are
   * recorded in `environment.json`, redacted when they feed a secret.
   */
  readonly configVariables?: readonly ConfigVariable[] | undefined;
  /**
   * Cap on the lane's capture (`loop.captureMessages`) copied into `capture/`, in bytes of capture
   * lines (default `BUNDLE_CAPTURE_MAX_BYTES`, 32 MiB): the newest messages that fit are kept.
   */
  readonly captureMaxBytes?: number | undefined;
  /** Called with a line for the operator when something was left out (a capture cut to the cap). */
  readonly onNote?: ((line: string) => void) | undefined;
}

/** JSON with secrets redacted inside strings only, so a secret like `true` cannot break it. */
const redactedJson = (value: unknown, secrets: readonly string[]): string =>
  `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactText(v, secrets) : v), 2)}\n`;

/**
 * Writes an incident bundle directory: the reference's required files, the live (or last, or
 * idle) snapshot with its status, the ring snapshot, the redacted adapter config and, when the
 * lane holds one, the capture (`capture/`, see `copyCapture`; capped by `captureMaxBytes`). Works on an
 * invalid spec too (that is when it is needed): `spec_validation.json` then holds the error.
 * Known secret values (`secrets`, secret-named variables, config variables feeding a secret) are
 * redacted from every file; `environment.json` records values of an allow-list of variables only
 * (see `environmentRecord`). The spec is read only if it is a regular file of at most 1 MiB.
 * Returns the files written.
 * @throws EdgeplaneError `invalid-config` (`permission-denied`) when `out` cannot be made a
 *   directory: a file is in the way, or it may not be created.
 */
export async function writeIncidentBundle(input: BundleInput): Promise<string[]> {
  const out = resolve(input.cwd, input.out);
  await mkdir(out, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new EdgeplaneError(
      error.code === 'EACCES' || error.code === 'EPERM' ? 'permission-denied' : 'invalid-config',
      'app-kit',
      `cannot create the bundle directory ${input.out} (${error.code === 'EEXIST' || error.code === 'ENOTDIR' ? 'a file is in the way' : (error.code ?? 'error')})`,
      { cause: error, hint: 'give --out= a new or existing directory', details: { option: 'out' } },
    );
  });
  const envInput = {
    env: input.env,
    args: input.args,
    cwd: input.cwd,
    secrets: input.secrets ?? [],
    configVariables: input.configVariables,
  };
  const secrets = bundleSecrets(envInput);
  const files: string[] = [];
  const put = async (name: string, text: string | Buffer): Promise<void> => {
    await writeFile(join(out, name), typeof text === 'string' ? redactText(text, secrets) : text);
    files.push(name);
  };
  const putJson = async (name: string, value: unknown): Promise<void> => {
    await writeFile(join(out, name), redactedJson(value, secrets));
    files.push(name);
  };
  const spec = await readInputFile(resolve(input.cwd, input.specPath), {
    what: 'spec',
    maxBytes: INPUT_LIMITS.config,
    component: 'app-kit',
    from: '--spec=',
    shown: input.specPath,
  }).catch((error: Error) => error);
  await put('spec.kv', spec instanceof Error ? '' : spec);
  let validation: { ok: boolean; description?: string; error?: string };
  let specName: string | null = null;
  try {
    if (spec instanceof Error) throw spec;
    const parsed = parseSpec(spec, { file: input.specPath });
    specName = parsed.spec.name;
    validation = { ok: true, description: describeSpec(parsed.spec) };
  } catch (error) {
    validation = { ok: false, error: (error as Error).message };
  }
  await putJson('spec_validation.json', validation);
  await putJson('runtime.json', { crate: RUNTIME });
  const audit = input.policyAudit ?? {
    ok: validation.ok,
    policy_version: 1,
    mode: 'adapter_loop',
    enforced: false,
    stage_failure_policy: 'stop_pipeline',
    spec_path: input.specPath,
    lane_path: input.lanePath ?? null,
    wait: null,
    runtime_crate: RUNTIME,
    ...(validation.ok
      ? { spec: { model: 'single_ring', name: specName } }
      : { error: validation.error }),
  };
  await putJson('policy_audit.json', audit);
  await putJson('environment.json', environmentRecord(envInput));
  // The lane's own document wins (live, final with its errors, or stale); idle only without one. A
  // snapshot that cannot be read is said so (`unreadable`, with the error), never replaced by idle.
  const lane = await laneDocument(input.lanePath, input.idle);
  const snapshot = lane.snapshot;
  await putJson('snapshot.json', lane);
  if (snapshot) await put('snapshot.txt', renderSnapshot(snapshot, lane.status));
  await putJson('single_ring_snapshot.json', snapshot ? snapshot.ring : null);
  if (input.redactedConfig !== undefined) await put('adapters.kv', input.redactedConfig);
  if (input.lanePath) {
    const maxBytes = input.captureMaxBytes ?? BUNDLE_CAPTURE_MAX_BYTES;
    const copy = await copyCapture({ lanePath: input.lanePath, out, secrets, maxBytes });
    if (copy) files.push(...copy.files);
    if (copy && copy.cut > 0)
      input.onNote?.(
        `capture: kept the newest ${copy.kept} messages, cut ${copy.cut} older ones to stay within ${maxBytes} bytes (capture/capture.json, "bundle")`,
      );
  }
  return files;
}

/** The bundle's `snapshot.json`: `{ status, running, source, snapshot }`, plus `error` when unreadable. */
async function laneDocument(
  lanePath: string | undefined,
  idle: LoopSnapshot | undefined,
): Promise<{
  status: string;
  running: boolean;
  source: string | null;
  snapshot: LoopSnapshot | null;
  error?: string;
}> {
  if (!lanePath)
    return { status: idle ? 'idle' : 'none', running: false, source: null, snapshot: idle ?? null };
  const none = Symbol('no snapshot');
  try {
    const lane = await readLaneSnapshot(lanePath, () => idle ?? Promise.reject(none));
    return {
      status: lane.status,
      running: lane.running,
      source: lane.path,
      snapshot: lane.snapshot,
    };
  } catch (error) {
    if (error === none) return { status: 'none', running: false, source: null, snapshot: null };
    const message = (error as Error).message;
    return {
      status: 'unreadable',
      running: false,
      source: lanePath,
      snapshot: null,
      error: message,
    };
  }
}
