import { printable } from '@edgeplane/errors';
import { ConfigError } from './config-error.js';
import { interpolate, MAX_INTERPOLATED_CHARS } from './interpolate.js';

/** One `key=value` entry of the adapter config, with its place. Values are interpolated. */
export interface ConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  /** Column of the value (1-based). */
  readonly column: number;
  /** Names of the `${VAR}`s substituted into the value. */
  readonly vars: readonly string[];
}

/** Control characters a written value may not hold: C0 but TAB, DEL, C1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

const KEY = /^[A-Za-z0-9_.-]+$/;

/**
 * Key segments that name JavaScript object internals. A key, stage id or setting containing one
 * (`stages.__proto__.x`, `ingress.constructor`) is refused: it could reach `Object.prototype`
 * wherever the key becomes a property name.
 */
export const RESERVED_KEY_SEGMENTS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** The first reserved segment of a dot-separated key, if any. */
export function reservedSegment(key: string): string | undefined {
  if (!RESERVED_KEY_SEGMENTS.some((name) => key.includes(name))) return undefined; // no split per line
  return key.split('.').find((segment) => RESERVED_KEY_SEGMENTS.includes(segment));
}

/**
 * Reads the lines of an adapter config: `key=value`, `#` comments and blank lines ignored, LF or
 * CRLF, keys ASCII `[A-Za-z0-9_.-]`, values UTF-8 with `${VAR}` / `${VAR:-default}` from `env`.
 * Work is linear in the size of the input (plus the text `${VAR}`s substitute).
 * @throws ConfigError for a line without `=`, whitespace around `=`, a bad key, a key with a
 *   reserved segment (`__proto__`, `constructor`, `prototype`), a duplicate key, a NUL or other
 *   control character (C0 but TAB, DEL, C1) written in a value, invalid UTF-8, an unset variable, or a value longer than
 *   substitution making the values more than `MAX_INTERPOLATED_CHARS` longer in all. Messages quote keys and lines through
 *   `printable` (control characters escaped, at most 80 characters).
 */
export function readEntries(
  input: string | Uint8Array,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): ConfigEntry[] {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (cause) {
      throw new ConfigError(
        { file, line: 1, column: 1 },
        'the file is not valid UTF-8',
        'save the adapter config as UTF-8 text',
        cause,
      );
    }
  }
  const seen = new Map<string, number>();
  const entries: ConfigEntry[] = [];
  let budget = MAX_INTERPOLATED_CHARS; // growth left for `${VAR}` substitution
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const eq = raw.indexOf('=');
    if (eq < 0) {
      throw new ConfigError(
        { file, line, column: raw.length + 1, key: printable(raw.trim()) },
        `expected "=" after key "${printable(raw.trim())}"`,
        'write each setting as key=value',
      );
    }
    const key = raw.slice(0, eq);
    if (/\s$/.test(key) || /^\s/.test(raw.slice(eq + 1))) {
      const column = /\s$/.test(key) ? key.trimEnd().length + 1 : eq + 2;
      throw new ConfigError(
        { file, line, column, key: printable(key.trim()) },
        'whitespace around "=" is not allowed',
        'write key=value with no spaces around "="',
      );
    }
    if (!KEY.test(key)) {
      throw new ConfigError(
        { file, line, column: 1, key: printable(key) },
        `invalid key "${printable(key)}"`,
        'keys use only ASCII letters, digits, ".", "_" and "-"',
      );
    }
    const reserved = reservedSegment(key);
    if (reserved !== undefined) {
      throw new ConfigError(
        { file, line, column: 1, key: printable(key) },
        `key "${printable(key)}" uses the reserved name "${reserved}"`,
        `rename it: __proto__, constructor and prototype cannot be a key, a stage id or a setting`,
      );
    }
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(
        { file, line, column: 1, key: printable(key) },
        `duplicate key "${printable(key)}" (first set on line ${first})`,
        'keep one of the two lines',
      );
    }
    seen.set(key, line);
    const rawValue = raw.slice(eq + 1);
    const control = rawValue.search(CONTROL);
    if (control >= 0) {
      const code = rawValue.charCodeAt(control);
      throw new ConfigError(
        { file, line, column: eq + 2 + control, key: printable(key) },
        code === 0
          ? `the value of ${printable(key)} contains a NUL character (U+0000)`
          : `the value of ${printable(key)} contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
        code === 0
          ? 'remove the NUL: values are text, and NUL cannot reach a file name, URL or argument'
          : 'remove it: values are text (a control character would reach terminals and logs raw); write the value from an environment variable with $' +
              '{VAR} if it must hold one',
      );
    }
    const place = { file, line, column: eq + 2, key };
    const { value, vars } = interpolate(rawValue, env, place, budget);
    budget -= value.length - rawValue.length;
    if (vars.length > 0 && value.includes('\0')) {
      throw new ConfigError(
        place,
        `the value of ${printable(key)} contains a NUL character (U+0000) after \${VAR} substitution`,
        `remove the NUL from the environment variable${vars.length > 1 ? 's' : ''} ${vars.join(', ')}`,
      );
    }
    entries.push({ key, value, line, column: eq + 2, vars });
  }
  return entries;
}
