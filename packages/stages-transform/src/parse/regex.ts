import type { StageFactoryContext } from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
import { requireSetting, settingError } from '../setting-checks.js';
import { setField } from './fields.js';
import { LineError, type LineParser } from './line.js';

/**
 * The capturing groups of a pattern's source, in order (the name of a named group, undefined for
 * an unnamed one), and the source without the group names. Skips escapes, character classes,
 * `(?:`, lookarounds and modifiers.
 */
function captureGroups(source: string): { groups: (string | undefined)[]; unnamed: string } {
  const groups: (string | undefined)[] = [];
  let unnamed = '';
  let from = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') groups.push(undefined);
      else if (source[i + 2] === '<' && /[A-Za-z_$]/.test(source[i + 3] ?? '')) {
        const close = source.indexOf('>', i);
        groups.push(source.slice(i + 3, close));
        unnamed += `${source.slice(from, i)}(`;
        from = close + 1;
        i = close;
      }
    }
  }
  return { groups, unnamed: unnamed + source.slice(from) };
}

/** The named capture groups of a pattern, in order (`(?<name>...)`). */
function groupNames(source: string): string[] {
  return captureGroups(source).groups.filter((g): g is string => g !== undefined);
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
 * The fields are read by group number from a copy of the pattern without the names: V8 builds no
 * `groups` object then (a third less time per line); patterns with `\k<name>` keep their names.
 */
export function regexParser(
  pattern: RegExp,
  what: string,
  convert?: (fields: Record<string, unknown>) => object,
): LineParser {
  const { groups, unnamed } = captureGroups(pattern.source);
  const named = pattern.source.includes('\\k<');
  const plain = named ? pattern : new RegExp(unnamed, pattern.flags);
  const slots: { name: string; index: number }[] = [];
  groups.forEach((name, i) => {
    if (name !== undefined) slots.push({ name, index: i + 1 });
  });
  return (line) => {
    const match = plain.exec(line);
    if (!match) throw new LineError(`does not match ${what}`);
    const fields: Record<string, unknown> = {};
    for (const { name, index } of slots) {
      const value = named ? match.groups?.[name] : match[index];
      if (value !== undefined) setField(fields, name, value);
    }
    return convert ? convert(fields) : fields;
  };
}
