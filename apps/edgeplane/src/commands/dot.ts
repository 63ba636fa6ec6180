import { loadSpec } from '@edgeplane/app-kit';
import { renderDot } from '@edgeplane/spec-kv';
import { type Command, defineCommand, specPath } from '../args.js';
import { printJson, SPEC_FLAG } from './shared.js';

export const dot: Command = defineCommand({
  name: 'dot',
  summary: 'Render a spec as a Graphviz digraph (pipe into `dot -Tsvg`)',
  usage: 'edgeplane dot --spec=spec.kv',
  flags: { spec: SPEC_FLAG },
  async handler(flags, io) {
    const { parsed } = await loadSpec(specPath(flags, io), { cwd: io.cwd });
    if (flags.json) printJson(io, { spec_hash: parsed.hash, dot: renderDot(parsed.spec) });
    else io.stdout.write(renderDot(parsed.spec));
    return 0;
  },
});
