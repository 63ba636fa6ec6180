import { runDoctor } from '@edgeplane/app-kit';
import { type Command, defineCommand } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { lanePathToCheck } from './lane.js';
import { LANE_FLAG, printJson } from './shared.js';

export const doctor: Command = defineCommand({
  name: 'doctor',
  summary: 'Check that this host is ready to run a loop (exit 3 when it is not)',
  usage: 'edgeplane doctor [--spec=spec.kv] [--lane-path=DIR] [--json]',
  flags: {
    spec: {
      type: 'string',
      description: 'spec whose name picks the default lane path',
      placeholder: 'spec.kv',
    },
    'lane-path': LANE_FLAG,
  },
  async handler(flags, io) {
    const report = runDoctor({ lanePath: await lanePathToCheck(flags, io) });
    if (flags.json) printJson(io, report);
    else {
      for (const c of report.checks) {
        io.stdout.write(
          `${c.status.toUpperCase().padEnd(5)} ${c.name.padEnd(10)} ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}\n`,
        );
      }
      io.stdout.write(report.ready ? 'host ready\n' : 'host NOT ready\n');
    }
    return report.ready ? EXIT.ok : EXIT.hostNotReady;
  },
});
