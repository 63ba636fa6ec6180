import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, str } from '../args.js';
import { STAGE_CATALOG, stageDescriptor, stagePackage } from '../stage-catalog.js';
import { printJson } from './shared.js';

export const stages: Command = defineCommand({
  name: 'stages',
  summary:
    'List the stages a spec can name (identity, the transform stages, the governed action stages) with their stages.<id>.* settings, or one (--name=)',
  usage: 'edgeplane stages [--name=redact] [--json]',
  flags: {
    name: {
      type: 'string',
      description: 'a stage key (or family, http_post:)',
      placeholder: 'KEY',
    },
  },
  async handler(flags, io) {
    const name = str(flags, 'name');
    const one = name === undefined ? undefined : stageDescriptor(name);
    if (name !== undefined && !one) {
      throw new EdgeplaneError('invalid-input', 'cli', `unknown stage "${name}"`, {
        hint: `stages: ${STAGE_CATALOG.map((d) => (d.key.endsWith(':') ? `${d.key}<…>` : d.key)).join(', ')}`,
      });
    }
    const list = (one ? [one] : STAGE_CATALOG).map((d) => ({ ...d, package: stagePackage(d) }));
    if (flags.json) {
      printJson(io, list);
      return 0;
    }
    for (const d of list) {
      const kind = d.pure ? 'pure' : `side effect: ${d.capability}, governed`;
      const shown = d.key.endsWith(':') ? `${d.key}<…>` : d.key;
      io.stdout.write(`${shown}: ${d.summary} (${d.package}; ${kind})\n`);
      for (const s of d.settings) {
        const dflt = s.default === undefined ? '' : ` (default ${String(s.default)})`;
        io.stdout.write(
          `  ${s.name.padEnd(18)} ${s.type}${s.required ? ', required' : ''}${dflt}${s.secret ? ', secret' : ''}\n      ${s.description}\n`,
        );
      }
    }
    return 0;
  },
});
