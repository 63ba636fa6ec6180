import { describeSpec } from '@edgeplane/spec-kv';
import { type Command, defineCommand } from '../args.js';
import { printJson, SPEC_FLAG } from './shared.js';
import { SETTINGS_CONFIG_FLAG, specView } from './stage-view.js';

export const describe: Command = defineCommand({
  name: 'describe',
  summary:
    'Describe a spec in its canonical form: stages, dependencies, side effects; with --config, the settings of each stage (secrets redacted)',
  usage: 'edgeplane describe --spec=spec.kv [--config=adapters.kv] [--json]',
  flags: { spec: SPEC_FLAG, config: SETTINGS_CONFIG_FLAG },
  async handler(flags, io) {
    const { spec, settings } = await specView(flags, io);
    const { parsed } = spec;
    if (flags.json)
      printJson(io, {
        spec_hash: parsed.hash,
        spec: parsed.spec,
        canonical: parsed.canonical,
        ...(settings ? { stage_settings: settings } : {}),
      });
    else io.stdout.write(describeSpec(parsed.spec, { stageSettings: settings }));
    return 0;
  },
});
