import { loadReplayBundle, renderReplay, replayBundle } from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, str } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { GOVERNANCE_FLAGS, governRun, runStages } from './governed.js';
import { printJson } from './shared.js';

export const replay: Command = defineCommand({
  name: 'replay',
  summary:
    "Run an incident bundle's captured messages through its spec (side effects in dry run) and compare with what the egress took",
  usage:
    'edgeplane replay --bundle=DIR [--environment=POSTURE] [--json]\n\nExit codes: 0 identical, 1 a difference (the first is shown), 2 a bad bundle (no spec, no capture) or a stage refused',
  flags: {
    bundle: {
      type: 'string',
      description:
        'an incident bundle written by `incident-bundle` from a lane with loop.captureMessages set',
      placeholder: 'DIR',
    },
    environment: GOVERNANCE_FLAGS.environment,
  },
  async handler(flags, io) {
    const dir = str(flags, 'bundle');
    if (!dir)
      throw new EdgeplaneError('invalid-input', 'cli', 'replay needs --bundle=DIR', {
        hint: 'e.g. edgeplane replay --bundle=./bundle (a directory written by edgeplane incident-bundle)',
      });
    // Replay never performs a side effect: governed stages run in dry-run posture.
    const stages = runStages(io, true);
    const bundle = await loadReplayBundle({ dir, cwd: io.cwd, stages });
    const governance = await governRun({ ...flags, 'dry-run': true }, io, {
      specPath: bundle.spec.path,
      spec: bundle.spec.spec,
      specHash: bundle.spec.parsed.hash,
      lanePath: '',
      enforce: true,
    });
    const report = await replayBundle(bundle, stages);
    if (flags.json)
      printJson(io, { ok: report.identical, ...report, policy: governance.decision.summary });
    else io.stdout.write(renderReplay(report, governance.decision.summary));
    return report.identical ? EXIT.ok : EXIT.runtime;
  },
});
