import { loadSpec } from '@edgeplane/app-kit';
import { describeSpec } from '@edgeplane/spec-kv';
import { type Command, defineCommand, specPath } from '../args.js';
import { printJson, SPEC_FLAG } from './shared.js';

export const describe: Command = defineCommand({
  name: 'describe',
  summary: 'Describe a spec in its canonical form: stages, dependencies, side effects',
  usage: 'edgeplane describe --spec=spec.kv [--json]',
  flags: { spec: SPEC_FLAG },
  async handler(flags, io) {
    const { parsed } = await loadSpec(specPath(flags, io), { cwd: io.cwd });
    if (flags.json)
      printJson(io, { spec_hash: parsed.hash, spec: parsed.spec, canonical: parsed.canonical });
    else io.stdout.write(describeSpec(parsed.spec));
    return 0;
  },
});
