import type { StageFactoryContext } from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
import { requireSetting, settingError } from '../settings.js';
import { LineError, type LineParser } from './line.js';

/** The named capture groups of a pattern, in order (`(?<name>...)`). */
function groupNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)) names.push(m[1] as string);
  return names;
}

/**
 * Compiles `stages.<id>.pattern` (a JavaScript regular expression, `u` flag) for `parse:regex`.
 * @throws EdgeplaneError `invalid-config` naming `stages.<id>.pattern` when it is missing, does
 *   not compile (with the engine's reason), or has no named group.
 */
export function compilePattern(context: StageFactoryContext): RegExp {
  const source = requireSetting(context, 'pattern', '^(?<level>\\w+) (?<message>.*)$');
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, 'u');
  } catch (error) {
    throw settingError(
      context,
      'pattern',
      `is not a valid regular expression: ${printable((error as Error).message, 200)}`,
      'write a JavaScript regular expression with named groups, e.g. ^(?<level>\\w+) (?<message>.*)$',
    );
  }
  if (groupNames(source).length === 0)
    throw settingError(
      context,
      'pattern',
      'has no named capture group',
      'name the fields to keep with (?<name>...), e.g. ^(?<level>\\w+) (?<message>.*)$',
    );
  return pattern;
}

/**
 * A line parser from a pattern with named groups: the object has one string field per group that
 * took part in the match (a group that did not is left out). `convert` may rewrite the fields.
 * A line the pattern does not match throws `LineError` (`does not match <what>`).
 */
export function regexParser(
  pattern: RegExp,
  what: string,
  convert?: (fields: Record<string, unknown>) => object,
): LineParser {
  const names = groupNames(pattern.source);
  return (line) => {
    const groups = pattern.exec(line)?.groups;
    if (!groups) throw new LineError(`does not match ${what}`);
    const fields: Record<string, unknown> = {};
    for (const name of names) {
      const value = groups[name];
      if (value !== undefined) fields[name] = value;
    }
    return convert ? convert(fields) : fields;
  };
}
