import { type LoopSnapshot, readSnapshotFile } from '@edgeplane/adapter-loop';
import { idleSnapshotFor, loadDeployment, renderSnapshot } from '@edgeplane/app-kit';
import { type Command, defineCommand, specPath, str } from '../args.js';
import { importFromCli } from '../importer.js';
import type { Io } from '../io.js';
import { lanePathFor } from './lane.js';
import { CONFIG_FLAG, LANE_FLAG, printJson, SPEC_FLAG } from './shared.js';

async function idleFor(flags: Readonly<Record<string, unknown>>, io: Io): Promise<LoopSnapshot> {
  const d = await loadDeployment({
    importer: importFromCli,
    specPath: specPath(flags, io),
    configPath: str(flags, 'config'),
    env: io.env,
    cwd: io.cwd,
  });
  return idleSnapshotFor(d);
}

export const snapshot: Command = defineCommand({
  name: 'snapshot',
  summary:
    'Print the live snapshot of a running loop (idle document when none runs; stale files are flagged)',
  usage: 'edgeplane snapshot --spec=spec.kv [--config=adapters.kv] [--lane-path=DIR] [--json]',
  flags: { spec: SPEC_FLAG, config: CONFIG_FLAG, 'lane-path': LANE_FLAG },
  async handler(flags, io) {
    const lanePath = await lanePathFor(flags, io, str(flags, 'lane-path') ? '' : undefined);
    const reading = await readSnapshotFile(lanePath);
    const live = reading && reading.status !== 'final' ? reading : null;
    const doc = live ? live.snapshot : await idleFor(flags, io);
    const status = live ? live.status : 'idle';
    if (flags.json) printJson(io, { ...doc, status, lane_path: lanePath });
    else io.stdout.write(renderSnapshot(doc, status));
    if (live?.status === 'stale') {
      const age = Math.round(live.ageMs / 1000);
      io.stderr.write(
        `warning: stale snapshot: ${live.path} was written by pid ${doc.pid}, which is not running (captured ${age} s ago); it is not live\n`,
      );
    }
    return 0;
  },
});
