import { ConfigError } from './config-error.js';
import { interpolate } from './interpolate.js';

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

const KEY = /^[A-Za-z0-9_.-]+$/;

/**
 * Reads the lines of an adapter config: `key=value`, `#` comments and blank lines ignored, LF or
 * CRLF, keys ASCII `[A-Za-z0-9_.-]`, values UTF-8 with `${VAR}` / `${VAR:-default}` from `env`.
 * @throws ConfigError for a line without `=`, whitespace around `=`, a bad key, a duplicate key,
 *   invalid UTF-8, or an unset variable.
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
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const eq = raw.indexOf('=');
    if (eq < 0) {
      throw new ConfigError(
        { file, line, column: raw.length + 1, key: raw.trim() },
        `expected "=" after key "${raw.trim()}"`,
        'write each setting as key=value',
      );
    }
    const key = raw.slice(0, eq);
    if (/\s$/.test(key) || /^\s/.test(raw.slice(eq + 1))) {
      const column = /\s$/.test(key) ? key.trimEnd().length + 1 : eq + 2;
      throw new ConfigError(
        { file, line, column, key: key.trim() },
        'whitespace around "=" is not allowed',
        'write key=value with no spaces around "="',
      );
    }
    if (!KEY.test(key)) {
      throw new ConfigError(
        { file, line, column: 1, key },
        `invalid key "${key}"`,
        'keys use only ASCII letters, digits, ".", "_" and "-"',
      );
    }
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(
        { file, line, column: 1, key },
        `duplicate key "${key}" (first set on line ${first})`,
        'keep one of the two lines',
      );
    }
    seen.set(key, line);
    const place = { file, line, column: eq + 2, key };
    const { value, vars } = interpolate(raw.slice(eq + 1), env, place);
    entries.push({ key, value, line, column: eq + 2, vars });
  }
  return entries;
}
