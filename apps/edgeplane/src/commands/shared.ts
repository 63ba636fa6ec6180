import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configPathFor } from '@edgeplane/app-kit';
import type { Io } from '../io.js';

/** Writes JSON (pretty, one document) to stdout. */
export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The adapter config to use, if any: `--config=`, else `adapters.kv` next to the spec when present. */
export function discoveredConfig(
  io: Io,
  spec: string,
  explicit: string | undefined,
): string | undefined {
  if (explicit) return explicit;
  const candidate = configPathFor(spec);
  return existsSync(resolve(io.cwd, candidate)) ? candidate : undefined;
}

export const SPEC_FLAG = {
  type: 'string',
  description:
    'the spec file, a regular file of at most 1 MiB (default $BYTEOR_SPEC, else ./spec.kv)',
  placeholder: 'spec.kv',
} as const;
export const CONFIG_FLAG = {
  type: 'string',
  description:
    'the adapter config, a regular file of at most 1 MiB (default adapters.kv next to the spec)',
  placeholder: 'adapters.kv',
} as const;
export const LANE_FLAG = {
  type: 'string',
  description:
    'runtime lane path (default /run/byteor/<spec name>, then $XDG_RUNTIME_DIR, then the temp dir)',
  placeholder: 'DIR',
} as const;
