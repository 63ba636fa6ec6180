import { parseArgs } from 'node:util';
import { EdgeplaneError } from '@edgeplane/errors';
import type { Io } from './io.js';

/** A flag of a command: `--name=value` (string) or `--name` (boolean). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly description: string;
  readonly placeholder?: string;
}

/** A verb of the CLI. Handlers only call package APIs (STYLE §7). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly handler: (
    flags: Readonly<Record<string, string | boolean | string[] | undefined>>,
    io: Io,
    positionals: readonly string[],
  ) => Promise<number>;
}

/** Identity helper that types a command. */
export function defineCommand(command: Command): Command {
  return command;
}

/** Flags every verb takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  help: { type: 'boolean', description: 'show this help' },
  json: { type: 'boolean', description: 'print JSON instead of human output' },
  format: { type: 'string', description: 'human | json', placeholder: 'human|json' },
};

/**
 * Parses `--name=value` flags strictly.
 * @throws EdgeplaneError `invalid-input` for an unknown flag or a flag of the wrong form.
 */
export function parseFlags(
  command: Command,
  argv: readonly string[],
): { flags: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const all = { ...COMMON_FLAGS, ...command.flags };
  const options = Object.fromEntries(
    Object.entries(all).map(([k, f]) => [k, { type: f.type, multiple: f.multiple ?? false }]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    const flags = values as Record<string, string | boolean | string[] | undefined>;
    if (flags.format !== undefined && flags.format !== 'human' && flags.format !== 'json') {
      throw new EdgeplaneError(
        'invalid-input',
        'cli',
        `--format must be human or json, got "${String(flags.format)}"`,
        { hint: 'use --format=json or --json' },
      );
    }
    if (flags.format === 'json') flags.json = true;
    return { flags, positionals };
  } catch (error) {
    if (error instanceof EdgeplaneError) throw error;
    const text = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new EdgeplaneError('invalid-input', 'cli', `${command.name}: ${text}`, {
      hint: `see \`edgeplane ${command.name} --help\``,
    });
  }
}

/** Help text of a command. */
export function helpText(command: Command): string {
  const all = { ...command.flags, ...COMMON_FLAGS };
  const rows = Object.entries(all).map(([name, f]) => {
    const left = f.type === 'string' ? `--${name}=${f.placeholder ?? 'VALUE'}` : `--${name}`;
    return `  ${left.padEnd(34)}${f.description}${f.multiple ? ' (repeatable)' : ''}`;
  });
  return `${command.summary}\n\nUsage: ${command.usage}\n\nFlags:\n${rows.join('\n')}\n`;
}

/** Reads a string flag. */
export function str(flags: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Reads a non-negative integer flag.
 * @throws EdgeplaneError `invalid-input` naming the flag.
 */
export function int(flags: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new EdgeplaneError(
      'invalid-input',
      'cli',
      `--${name} must be a non-negative integer, got "${v}"`,
      { hint: `e.g. --${name}=500` },
    );
  }
  return Number(v);
}

/** The spec path: `--spec=`, else `$BYTEOR_SPEC`, else `spec.kv`. */
export function specPath(flags: Readonly<Record<string, unknown>>, io: Io): string {
  return str(flags, 'spec') ?? io.env.BYTEOR_SPEC ?? 'spec.kv';
}
