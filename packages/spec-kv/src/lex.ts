import { printable } from '@edgeplane/errors';
import { checkBytes } from './ascii.js';
import { fail } from './errors.js';

/** One `key=value` line. `column` is where the value starts; the key always starts at column 1. */
export interface Entry {
  /** The key after lowering (canonical). */
  readonly key: string;
  /** The key as written in the file (differs from `key` only for the authoring form). */
  readonly origin: string;
  readonly value: string;
  readonly line: number;
  readonly column: number;
  /** True for entries the lowering added (implicit `stage=identity`, implicit chain). */
  readonly synthetic?: boolean;
}

/** The lines of a spec and the position just past its end (for file-level errors). */
export interface Lexed {
  readonly entries: readonly Entry[];
  readonly end: { readonly line: number; readonly column: number };
}

const KEY_CHAR = /^[A-Za-z0-9_.-]$/;
/**
 * Names that reach JavaScript object internals when used as a property name: refused as any
 * dot-separated segment of a key, and as a stage id.
 */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
/** Splits one non-blank, non-comment line into key and value, or throws at the exact column. */
function splitLine(text: string, line: number, file: string): { key: string; value: string } {
  const at = (column: number, key?: string) => ({ line, column, key });
  if (text[0] === ' ' || text[0] === '\t') {
    throw fail(file, at(1), 'leading whitespace is not allowed', 'start the line with the key');
  }
  const eq = text.indexOf('=');
  if (eq < 0) {
    const key = text.trimEnd();
    throw fail(
      file,
      at(key.length + 1, key),
      `expected "=" after key "${printable(key)}"`,
      'write one key=value pair per line (comments start with "#")',
    );
  }
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (key.length === 0) {
    throw fail(file, at(1), 'empty key before "="', 'write key=value');
  }
  const before = key.length - key.trimEnd().length;
  const space = before > 0 ? eq - before + 1 : /^[ \t]/.test(value) ? eq + 2 : 0;
  if (space > 0) {
    throw fail(
      file,
      at(space, key.trimEnd()),
      'whitespace around "=" is not allowed; write key=value',
      `write ${printable(key.trim())}=${printable(value.trim())}`,
    );
  }
  for (let i = 0; i < key.length; i++) {
    if (!KEY_CHAR.test(key[i] as string)) {
      throw fail(
        file,
        at(i + 1, key),
        `invalid character "${printable(key[i] ?? '')}" in key "${printable(key)}"`,
        'keys use letters, digits, "_", "." and "-"',
      );
    }
  }
  const reserved = key.split('.').find((segment) => RESERVED_SEGMENTS.has(segment));
  if (reserved !== undefined) {
    throw fail(
      file,
      at(1, key),
      `key "${printable(key)}" uses the reserved name "${reserved}"`,
      'rename it: __proto__, constructor and prototype cannot be a key or a stage id',
    );
  }
  if (/[ \t]$/.test(value)) {
    throw fail(
      file,
      at(eq + 2 + value.trimEnd().length, key),
      `trailing whitespace after the value of "${printable(key)}"`,
      'remove the spaces or tabs at the end of the line',
    );
  }
  return { key, value };
}

/**
 * Reads the `key=value` lines of a spec (reference decision 1): ASCII only, LF or CRLF,
 * blank lines and `#` comment lines ignored, no whitespace around `=`, no duplicate keys, no
 * key with a `__proto__`, `constructor` or `prototype` segment. Linear in the input's size.
 *
 * @throws SpecParseError at the exact line:column of the first problem.
 */
export function lex(input: string | Uint8Array, file: string): Lexed {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  checkBytes(bytes, file);
  const lines = new TextDecoder().decode(bytes).split('\n');
  const entries: Entry[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const line = index + 1;
    if (text.trim() === '' || text.startsWith('#')) return;
    const { key, value } = splitLine(text, line, file);
    const first = seen.get(key);
    if (first !== undefined) {
      throw fail(
        file,
        { line, column: 1, key },
        `duplicate key "${printable(key)}" (first set on line ${first})`,
        'keep one of the two lines',
      );
    }
    seen.set(key, line);
    entries.push({ key, origin: key, value, line, column: key.length + 2 });
  });
  const last = lines[lines.length - 1] as string;
  return { entries, end: { line: lines.length, column: last.replace(/\r$/, '').length + 1 } };
}

export { parseDecimal, parseInteger } from './rules.js';
