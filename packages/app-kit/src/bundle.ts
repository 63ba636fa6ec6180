import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type LoopSnapshot, redactText } from '@edgeplane/adapter-loop';
import { describeSpec, parseSpec } from '@edgeplane/spec-kv';
import { environmentRecord } from './environment.js';
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
  readonly out: string;
  readonly specPath: string;
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly lanePath?: string | undefined;
  /** The redacted adapter config text, written as `adapters.kv`. */
  readonly redactedConfig?: string | undefined;
  /** An idle snapshot to use when no loop has written one to the lane path. */
  readonly idle?: LoopSnapshot | undefined;
  /** The policy audit record; a minimal one is written when absent. */
  readonly policyAudit?: unknown;
  readonly secrets?: readonly string[] | undefined;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Writes an incident bundle directory: the reference's required files, the live (or last, or
 * idle) snapshot with its status, the ring snapshot and the redacted adapter config. Works on an
 * invalid spec too (that is when it is needed): `spec_validation.json` then holds the error.
 * Returns the files written.
 */
export async function writeIncidentBundle(input: BundleInput): Promise<string[]> {
  const out = resolve(input.cwd, input.out);
  await mkdir(out, { recursive: true });
  const secrets = input.secrets ?? [];
  const files: string[] = [];
  const put = async (name: string, text: string | Buffer): Promise<void> => {
    await writeFile(join(out, name), typeof text === 'string' ? redactText(text, secrets) : text);
    files.push(name);
  };
  const specBytes = await readFile(resolve(input.cwd, input.specPath)).catch(() => null);
  await put('spec.kv', specBytes ?? '');
  let validation: { ok: boolean; description?: string; error?: string };
  let specName: string | null = null;
  try {
    if (!specBytes) throw new Error(`${input.specPath} does not exist`);
    const parsed = parseSpec(specBytes, { file: input.specPath });
    specName = parsed.spec.name;
    validation = { ok: true, description: describeSpec(parsed.spec) };
  } catch (error) {
    validation = { ok: false, error: (error as Error).message };
  }
  await put('spec_validation.json', json(validation));
  await put('runtime.json', json({ crate: RUNTIME }));
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
  await put('policy_audit.json', json(audit));
  await put(
    'environment.json',
    json(environmentRecord({ env: input.env, args: input.args, cwd: input.cwd, secrets })),
  );
  // The lane's own document wins (live, final with its errors, or stale); idle only without one. A
  // snapshot that cannot be read is said so (`unreadable`, with the error), never replaced by idle.
  const lane = await laneDocument(input.lanePath, input.idle);
  const snapshot = lane.snapshot;
  await put('snapshot.json', json(lane));
  if (snapshot) await put('snapshot.txt', renderSnapshot(snapshot, lane.status));
  await put('single_ring_snapshot.json', json(snapshot ? snapshot.ring : null));
  if (input.redactedConfig !== undefined) await put('adapters.kv', input.redactedConfig);
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
