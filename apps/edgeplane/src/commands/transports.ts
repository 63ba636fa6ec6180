import { dirname, resolve } from 'node:path';
import { listInstalledTransports, loadTransport } from '@edgeplane/app-kit';
import { type Command, defineCommand, str } from '../args.js';
import { FIRST_PARTY_TRANSPORTS, importFromCli } from '../importer.js';
import { printJson } from './shared.js';

export const transports: Command = defineCommand({
  name: 'transports',
  summary:
    'List the transports this CLI and the deployment have installed (third-party ones too), or the options of one (--name=)',
  usage: 'edgeplane transports [--name=mqtt] [--config=adapters.kv] [--json]',
  flags: {
    name: { type: 'string', description: 'a transport name, package or path', placeholder: 'NAME' },
    config: {
      type: 'string',
      description: 'also look beside this adapter config for installed transport packages',
      placeholder: 'FILE',
    },
  },
  async handler(flags, io) {
    const name = str(flags, 'name');
    const config = str(flags, 'config');
    const dirs = [...(config ? [dirname(resolve(io.cwd, config))] : []), io.cwd];
    const installed = listInstalledTransports(dirs);
    const specifiers = installed.map((t) => (t.packageName.includes('/') ? t.packageName : t.name));
    const names = [...new Set([...FIRST_PARTY_TRANSPORTS, ...specifiers])];
    const load = (n: string) => loadTransport(n, io.cwd, importFromCli, dirs);
    const list = name
      ? [await load(name)]
      : (await Promise.all(names.map((n) => load(n).catch(() => null)))).filter((t) => t !== null);
    const unique = [...new Map(list.map((t) => [t.name, t])).values()];
    const docs = unique.map((t) => ({
      name: t.name,
      summary: t.summary,
      package: installed.find((i) => i.name === t.name)?.packageName,
      options: t.describeOptions(),
    }));
    if (flags.json) {
      printJson(io, docs);
      return 0;
    }
    for (const t of docs) {
      io.stdout.write(`${t.name}: ${t.summary}${t.package ? ` (${t.package})` : ''}\n`);
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
