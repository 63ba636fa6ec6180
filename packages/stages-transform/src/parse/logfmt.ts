import { setField } from './fields.js';
import { LineError } from './line.js';

const QUOTE = 34; // "
const EQUALS = 61; // =
const BACKSLASH = 92; // \

/** Characters that end a key or a bare value: space and control characters. */
function isSpace(code: number): boolean {
  return code <= 32;
}

/** The end of the quoted string opening at `open` (index of its closing quote), or -1. */
function closingQuote(line: string, open: number): number {
  for (let i = open + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

/** The value of the quoted string `line[open..close]`: escapes decoded as in JSON. */
function unquote(line: string, open: number, close: number, key: string): string {
  const inner = line.slice(open + 1, close);
  if (!inner.includes('\\')) return inner;
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    throw new LineError(`bad escape in the quoted value of "${key}"`, open + 1);
  }
}

/**
 * Parses one logfmt line (`level=info msg="user signed in" user=42 admin`) into an object of
 * strings: a bare key is `true`, `key=` is `""`, a quoted value takes JSON escapes (`\"`, `\\`,
 * `\n`, `\u00e9`). Values stay strings (`user: "42"`). A repeated key keeps its last value.
 * Strict where the npm logfmt parsers are lenient: a line without any `key=value` pair, a key
 * starting with `=` or `"`, a `"` or `=` inside a bare value, text right after a closing quote,
 * an unterminated quote or a bad escape throws `LineError` with the 1-based column.
 */
export function parseLogfmt(line: string): object {
  const fields: Record<string, unknown> = {};
  let pairs = 0;
  let i = 0;
  const n = line.length;
  while (i < n) {
    if (isSpace(line.charCodeAt(i))) {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isSpace(c) || c === EQUALS || c === QUOTE) break;
      i++;
    }
    if (i === keyStart) throw new LineError(`expected a key, got '${line[i]}'`, i + 1);
    const key = line.slice(keyStart, i);
    if (i >= n || line.charCodeAt(i) !== EQUALS) {
      if (i < n && line.charCodeAt(i) === QUOTE)
        throw new LineError(`unexpected '"' in key "${key}"`, i + 1);
      setField(fields, key, true);
      continue;
    }
    i++; // =
    pairs++;
    if (i < n && line.charCodeAt(i) === QUOTE) {
      const close = closingQuote(line, i);
      if (close < 0) throw new LineError(`unterminated quoted value of "${key}"`, i + 1);
      setField(fields, key, unquote(line, i, close, key));
      i = close + 1;
      if (i < n && !isSpace(line.charCodeAt(i)))
        throw new LineError(`unexpected '${line[i]}' after the quoted value of "${key}"`, i + 1);
      continue;
    }
    const valueStart = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isSpace(c)) break;
      if (c === EQUALS || c === QUOTE)
        throw new LineError(
          `unexpected '${line[i]}' in the value of "${key}" (quote the value)`,
          i + 1,
        );
      i++;
    }
    setField(fields, key, line.slice(valueStart, i));
  }
  if (pairs === 0) throw new LineError(n === 0 ? 'empty line' : 'no key=value pair');
  return fields;
}
