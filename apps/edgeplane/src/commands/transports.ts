import { loadTransport } from '@edgeplane/app-kit';
import { type Command, defineCommand, str } from '../args.js';
import { FIRST_PARTY_TRANSPORTS, importFromCli } from '../importer.js';
import { printJson } from './shared.js';

export const transports: Command = defineCommand({
  name: 'transports',
  summary: 'List the built-in transports, or the options of one (--name=)',
  usage: 'edgeplane transports [--name=file] [--json]',
  flags: {
    name: { type: 'string', description: 'a transport name, package or path', placeholder: 'NAME' },
  },
  async handler(flags, io) {
    const name = str(flags, 'name');
    const list = name
      ? [await loadTransport(name, io.cwd, importFromCli)]
      : (
          await Promise.all(
            FIRST_PARTY_TRANSPORTS.map((n) =>
              loadTransport(n, io.cwd, importFromCli).catch(() => null),
            ),
          )
        ).filter((t) => t !== null);
    const docs = list.map((t) => ({
      name: t.name,
      summary: t.summary,
      options: t.describeOptions(),
    }));
    if (flags.json) {
      printJson(io, docs);
      return 0;
    }
    for (const t of docs) {
      io.stdout.write(`${t.name}: ${t.summary}\n`);
      for (const o of t.options) {
        const dflt = o.default === undefined ? '' : ` (default ${String(o.default)})`;
        io.stdout.write(
          `  ${o.name.padEnd(18)} ${o.type}${o.required ? ', required' : ''}${dflt}${o.secret ? ', secret' : ''}\n      ${o.description}\n`,
        );
      }
    }
    return 0;
  },
});
