import { renderDot } from '@edgeplane/spec-kv';
import { type Command, defineCommand } from '../args.js';
import { printJson, SPEC_FLAG } from './shared.js';
import { SETTINGS_CONFIG_FLAG, specView } from './stage-view.js';

export const dot: Command = defineCommand({
  name: 'dot',
  summary:
    'Render a spec as a Graphviz digraph (pipe into `dot -Tsvg`); with --config, the settings of each stage in its box (secrets redacted)',
  usage: 'edgeplane dot --spec=spec.kv [--config=adapters.kv]',
  flags: { spec: SPEC_FLAG, config: SETTINGS_CONFIG_FLAG },
  async handler(flags, io) {
    const { spec, settings } = await specView(flags, io);
    const text = renderDot(spec.parsed.spec, { stageSettings: settings });
    if (flags.json) printJson(io, { spec_hash: spec.parsed.hash, dot: text });
    else io.stdout.write(text);
    return 0;
  },
});
