import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveLanePath } from '@edgeplane/adapter-loop';
import { loadSpec } from '@edgeplane/app-kit';
import { specPath, str } from '../args.js';
import type { Io } from '../io.js';
import { specStages } from './governed.js';

/**
 * The lane path for a command (reference decision 4): `--lane-path=` (created, must be
 * writable), else derived from the spec's name under /run/byteor, $XDG_RUNTIME_DIR or the temp dir.
 * @throws EdgeplaneError `permission-denied` for an unwritable explicit path; spec errors.
 */
export async function lanePathFor(
  flags: Readonly<Record<string, unknown>>,
  io: Io,
  specName?: string,
): Promise<string> {
  const explicit = str(flags, 'lane-path');
  if (explicit) return resolveLanePath({ explicit: resolve(io.cwd, explicit), specName: '' });
  const name =
    specName ??
    (await loadSpec(specPath(flags, io), { cwd: io.cwd, stages: specStages() })).spec.name;
  return resolveLanePath({ specName: name, env: io.env });
}

/**
 * For the verbs that only read a lane (`snapshot`, `incident-bundle`): an explicit `--lane-path=`
 * as given, never created nor required writable (an operator may read a lane it cannot write);
 * else the path derived from the spec's name, as `run` would choose it.
 */
export async function laneToRead(
  flags: Readonly<Record<string, unknown>>,
  io: Io,
): Promise<string> {
  const explicit = str(flags, 'lane-path');
  return explicit ? resolve(io.cwd, explicit) : lanePathFor(flags, io);
}

/** For `doctor`: the lane path to check, never throwing (an explicit path is checked as given). */
export async function lanePathToCheck(
  flags: Readonly<Record<string, unknown>>,
  io: Io,
): Promise<string> {
  const explicit = str(flags, 'lane-path');
  if (explicit) return resolve(io.cwd, explicit);
  const path = specPath(flags, io);
  const name = existsSync(resolve(io.cwd, path))
    ? await loadSpec(path, { cwd: io.cwd, stages: specStages() }).then(
        (s) => s.spec.name,
        () => '',
      )
    : '';
  return resolveLanePath({ specName: name, env: io.env });
}
