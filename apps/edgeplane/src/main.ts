import { isSupportedNode, MIN_NODE, RUNTIME } from '@edgeplane/app-kit';
import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';
import { type Command, helpText, parseFlags } from './args.js';
import { approval } from './commands/approval.js';
import { describe } from './commands/describe.js';
import { doctor } from './commands/doctor.js';
import { dot } from './commands/dot.js';
import { incidentBundle } from './commands/incident-bundle.js';
import { replay } from './commands/replay.js';
import { run as runCommand } from './commands/run.js';
import { snapshot } from './commands/snapshot.js';
import { stages } from './commands/stages.js';
import { top } from './commands/top.js';
import { transports } from './commands/transports.js';
import { validate } from './commands/validate.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { Io } from './io.js';
import { jsonError } from './json-error.js';

/** Every verb, in help order. */
export const COMMANDS: readonly Command[] = [
  validate,
  describe,
  dot,
  runCommand,
  doctor,
  snapshot,
  top,
  incidentBundle,
  replay,
  transports,
  stages,
  approval,
];

function usage(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(17)}${c.summary}`);
  return `edgeplane: move bytes between external systems through a declared SingleRing, with adapter health you can see\n\nUsage: edgeplane <verb> [--name=value ...]\n\nVerbs:\n${rows.join('\n')}\n\nRun \`edgeplane <verb> --help\` for a verb's flags. Exit codes: 0 ok, 1 runtime failure, 2 usage or invalid input, 3 host or endpoint not ready (doctor), 130/143 stopped by SIGINT/SIGTERM.\n`;
}

/**
 * The CLI: parses argv, calls one command, maps errors to exit codes (decision 8). Errors print
 * `error: <message>` and `hint: <fix>`, with no stack trace unless EDGEPLANE_DEBUG=1.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-v' || verb === 'version') {
    io.stdout.write(`edgeplane ${RUNTIME.version}\n`);
    return EXIT.ok;
  }
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout.write(usage());
    return verb ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === verb);
  if (!command) {
    io.stderr.write(
      `error: unknown verb "${verb}"\nhint: verbs are ${COMMANDS.map((c) => c.name).join(', ')}\n`,
    );
    return EXIT.usage;
  }
  try {
    const { flags, positionals } = parseFlags(command, rest);
    if (flags.help) {
      io.stdout.write(helpText(command));
      return EXIT.ok;
    }
    if (positionals.length > 0 && command.name !== 'approval') {
      throw new EdgeplaneError(
        'invalid-input',
        'cli',
        `${command.name}: unexpected argument "${positionals[0]}"`,
        {
          hint: `flags take the form --name=value; see \`edgeplane ${command.name} --help\``,
        },
      );
    }
    const version = io.nodeVersion ?? process.version;
    if (command.name === 'run' && !isSupportedNode(version)) {
      io.stderr.write(
        `error: edgeplane run needs Node.js ${MIN_NODE.join('.')} or newer; this is ${version}\n` +
          "hint: run it on the project's Node.js: `pnpm edgeplane run ...`, or " +
          '`node_modules/node/bin/node apps/edgeplane/dist/cli.js run ...` from the repository\n',
      );
      return EXIT.hostNotReady;
    }
    return await command.handler(flags, io, positionals);
  } catch (error) {
    if (io.env.EDGEPLANE_DEBUG === '1')
      io.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    if (isEdgeplaneError(error)) {
      const message = error.message.replace(/^\[(cli|app-kit)\] /, '');
      io.stderr.write(`error: ${message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      const exit = exitCodeFor(error.code);
      // --json: machines get the error on stdout too, field by field.
      if (rest.includes('--json') || rest.includes('--format=json'))
        io.stdout.write(
          `${JSON.stringify({ ok: false, error: jsonError(error, exit) }, null, 2)}\n`,
        );
      return exit;
    }
    io.stderr.write(
      `error: internal error: ${(error as Error).message ?? String(error)}\nhint: rerun with EDGEPLANE_DEBUG=1 and report the output\n`,
    );
    return EXIT.runtime;
  }
}

/** The CLI reference (docs/cli.md), generated from the command definitions. */
export function cliReference(): string {
  const sections = COMMANDS.map((c) => `## ${c.name}\n\n\`\`\`text\n${helpText(c)}\`\`\`\n`);
  return `# edgeplane CLI reference\n\nGenerated from the command definitions (\`pnpm docs:cli\`); do not edit by hand.\n\n\`\`\`text\n${usage()}\`\`\`\n\n${sections.join('\n')}`;
}
