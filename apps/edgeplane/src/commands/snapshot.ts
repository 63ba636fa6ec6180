import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  idleSnapshotFor,
  loadDeployment,
  readLaneSnapshot,
  renderSnapshot,
} from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, specPath, str } from '../args.js';
import { importFromCli } from '../importer.js';
import type { Io } from '../io.js';
import { specStages } from './governed.js';
import { laneToRead } from './lane.js';
import { CONFIG_FLAG, LANE_FLAG, printJson, SPEC_FLAG } from './shared.js';

/** The idle document of the deployment: only for a lane that holds no snapshot at all. */
async function idleFor(flags: Readonly<Record<string, unknown>>, io: Io, lanePath: string) {
  const spec = specPath(flags, io);
  if (str(flags, 'lane-path') && !str(flags, 'spec') && !existsSync(resolve(io.cwd, spec)))
    throw new EdgeplaneError(
      'not-found',
      'cli',
      `no snapshot in ${lanePath}: nothing has run there`,
      {
        hint: 'check the lane path; pass --spec=spec.kv for the idle document of a deployment',
      },
    );
  const d = await loadDeployment({
    importer: importFromCli,
    specPath: spec,
    configPath: str(flags, 'config'),
    env: io.env,
    cwd: io.cwd,
    stages: specStages(),
  });
  return idleSnapshotFor(d);
}

export const snapshot: Command = defineCommand({
  name: 'snapshot',
  summary:
    'Print the snapshot of a lane: live while a loop runs, final after it ended, stale if its process died, idle if nothing ran',
  usage: 'edgeplane snapshot --lane-path=DIR | --spec=spec.kv [--config=adapters.kv] [--json]',
  flags: { spec: SPEC_FLAG, config: CONFIG_FLAG, 'lane-path': LANE_FLAG },
  async handler(flags, io) {
    // A lane with a snapshot is read without the deployment: no spec and no config needed.
    const lanePath = await laneToRead(flags, io);
    const lane = await readLaneSnapshot(lanePath, () => idleFor(flags, io, lanePath));
    const doc = lane.snapshot;
    if (flags.json)
      printJson(io, { ...doc, status: lane.status, running: lane.running, lane_path: lanePath });
    else io.stdout.write(renderSnapshot(doc, lane.status));
    if (lane.status === 'stale') {
      const age = Math.round(lane.ageMs / 1000);
      io.stderr.write(
        `warning: stale snapshot: ${lane.path} was written by pid ${doc.pid}, which is not running (captured ${age} s ago); it is not live\n`,
      );
    }
    return 0;
  },
});
