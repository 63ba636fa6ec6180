import { statSync } from 'node:fs';
import { readSnapshotFile } from '@edgeplane/adapter-loop';
import { createTopView } from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, int, str } from '../args.js';
import type { Io } from '../io.js';
import { runTopPlain, runTopScreen, type TopLoop, wantsColor } from '../top-screen.js';
import { laneToRead } from './lane.js';
import { LANE_FLAG, SPEC_FLAG } from './shared.js';

/** The lane to watch; an explicit `--lane-path=` must exist (it is never created here). */
async function laneToWatch(flags: Readonly<Record<string, unknown>>, io: Io): Promise<string> {
  const path = await laneToRead(flags, io);
  const isDir = statSync(path, { throwIfNoEntry: false })?.isDirectory();
  if (str(flags, 'lane-path') && !isDir)
    throw new EdgeplaneError('not-found', 'cli', `lane path ${path} does not exist`, {
      hint: 'give the --lane-path= the loop runs with (`edgeplane run --lane-path=DIR`), or --spec=spec.kv to derive it from the spec as run does',
    });
  return path;
}

export const top: Command = defineCommand({
  name: 'top',
  summary:
    'Watch a running loop from its lane snapshot: messages/s, acked, lag, connection states, ring, failures (q quits)',
  usage: 'edgeplane top --spec=spec.kv | --lane-path=DIR [--interval-ms=1000] [--once]',
  flags: {
    spec: SPEC_FLAG,
    'lane-path': LANE_FLAG,
    'interval-ms': {
      type: 'string',
      description: 'how often to read the snapshot and redraw, ms (default 1000, at least 100)',
      placeholder: 'MS',
    },
    once: {
      type: 'boolean',
      description: 'print one frame and exit 0 (rates from two reads one interval apart)',
    },
  },
  async handler(flags, io) {
    if (flags.json)
      throw new EdgeplaneError('invalid-input', 'cli', 'top has no JSON output', {
        hint: 'use `edgeplane snapshot --json` (or the ops listener /snapshot) for the document',
      });
    const intervalMs = int(flags, 'interval-ms') ?? 1000;
    if (intervalMs < 100)
      throw new EdgeplaneError(
        'invalid-input',
        'cli',
        `--interval-ms must be at least 100, got ${intervalMs}`,
        {
          hint: 'e.g. --interval-ms=1000',
        },
      );
    const lanePath = await laneToWatch(flags, io);
    const view = createTopView(lanePath);
    const read = async () => view.observe(await readSnapshotFile(lanePath));
    const loop: TopLoop = { view, read, intervalMs, lanePath };
    const width = (io.stdout as { columns?: number }).columns || Number(io.env.COLUMNS) || 80;
    if (flags.once) {
      await read();
      if (view.live) {
        await new Promise((r) => setTimeout(r, intervalMs));
        await read();
      }
      const lines = view.frame({ width, color: wantsColor(io), now: Date.now() });
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    return io.stdout.isTTY ? runTopScreen(io, loop) : runTopPlain(io, loop, width);
  },
});
