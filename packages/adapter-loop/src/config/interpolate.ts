import { printable } from '@edgeplane/errors';
import { ConfigError } from './config-error.js';

/**
 * How much longer than written, in UTF-16 code units, `${VAR}` substitution may make the values
 * of one config, all values together (4 Mi, 4 MiB of ASCII): a file of `${VAR}`s cannot grow
 * into gigabytes. `$$` only shrinks a value.
 */
export const MAX_INTERPOLATED_CHARS: number = 4 * 1024 * 1024;

/** Where a value sits in the config, for errors. */
export interface ValuePlace {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string;
}

const isNameStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57);
const DOLLAR = 36;
const OPEN = 123;
const CLOSE = 125;
const COLON = 58;
const DASH = 45;
/** Shared by every value without `${VAR}` (never mutated). */
const NO_VARS: string[] = [];
/** Pieces gathered before they are joined (bounds the array a value of `$$$$…` needs). */
const FLUSH = 1024;

/** The variable's own value in `env`: never an inherited member (`constructor`, `toString`). */
function lookup(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  if (!Object.hasOwn(env, name)) return undefined;
  const v = env[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Substitutes `${VAR}` and `${VAR:-default}` from `env`; `$$` is a literal `$`. A `$` that starts
 * neither is kept as written, except `${`, which must complete a reference; the default is taken literally (no nested substitution). Only
 * `env`'s own entries count: `${constructor}` is unset, not `Object`. An empty variable counts as
 * unset. Time and memory are linear in `value` plus the text substituted.
 * @param budget how many code units longer than `value` the result may be (default
 *   `MAX_INTERPOLATED_CHARS`).
 * @returns the value and the distinct names substituted into it, in first-use order.
 * @throws ConfigError naming the variable when it is unset and has no default; for a `${` that
 *   is not a complete reference (`${NAME` without `}`, `${1}`); or when the
 *   result would be more than `budget` code units longer than `value`.
 */
export function interpolate(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
  place: ValuePlace,
  budget: number = MAX_INTERPOLATED_CHARS,
): { value: string; vars: string[] } {
  const most = value.length + budget;
  if (!value.includes('$')) return { value, vars: NO_VARS };
  const vars = new Set<string>();
  const pieces: string[] = [];
  let out = '';
  let length = 0;
  let start = 0; // first character not yet copied
  let close = -2; // index of the next '}' at or after the cursor (-1: none), -2: not looked up
  const emit = (literalEnd: number, resumeAt: number, text: string) => {
    if (literalEnd > start) pieces.push(value.slice(start, literalEnd));
    if (text) pieces.push(text);
    length += literalEnd - start + text.length;
    start = resumeAt;
    if (length > most) tooLong(place);
    if (pieces.length >= FLUSH) {
      out += pieces.join('');
      pieces.length = 0;
    }
  };
  let i = value.indexOf('$');
  while (i >= 0 && i < value.length) {
    const next = value.charCodeAt(i + 1);
    if (next === DOLLAR) {
      emit(i, i + 2, '$');
      i = value.indexOf('$', i + 2);
      continue;
    }
    let j = i + 2;
    if (next === OPEN && isNameStart(value.charCodeAt(j))) {
      while (isNameChar(value.charCodeAt(j))) j++;
      const name = value.slice(i + 2, j);
      let fallback: string | undefined;
      let end = -1;
      if (value.charCodeAt(j) === CLOSE) end = j;
      else if (value.charCodeAt(j) === COLON && value.charCodeAt(j + 1) === DASH) {
        if (close !== -1 && close < j + 2) close = value.indexOf('}', j + 2);
        if (close >= 0) {
          end = close;
          fallback = value.slice(j + 2, close);
        }
      }
      if (end >= 0) {
        vars.add(name);
        const v = lookup(env, name);
        const text = v !== undefined && v !== '' ? v : fallback;
        if (text === undefined) unset(name, place, i);
        emit(i, end + 1, text as string);
        i = value.indexOf('$', end + 1);
        continue;
      }
    }
    if (next === OPEN) incomplete(value, place, i);
    i = value.indexOf('$', i + 1); // a lone `$`: kept as written
  }
  emit(value.length, value.length, '');
  return { value: out + pieces.join(''), vars: vars.size === 0 ? NO_VARS : [...vars] };
}

/** `${` that is not `${NAME}` / `${NAME:-default}`: a typo would otherwise pass as literal text. */
function incomplete(value: string, place: ValuePlace, offset: number): never {
  throw new ConfigError(
    { ...place, column: place.column + offset },
    `${printable(value.slice(offset, offset + 24), 24)} is not a complete variable reference (in ${printable(place.key)})`,
    `write $\{NAME} or $\{NAME:-default} (NAME: letters, digits, _), or $$\{ for a literal "$\{"`,
  );
}

function unset(name: string, place: ValuePlace, offset: number): never {
  throw new ConfigError(
    { ...place, column: place.column + offset },
    `environment variable ${name} is not set (used by ${printable(place.key)})`,
    `export ${name}=... before starting, or write \${${name}:-default}`,
  );
}

function tooLong(place: ValuePlace): never {
  throw new ConfigError(
    place,
    `\${VAR} substitution makes the values of ${place.file} more than ${MAX_INTERPOLATED_CHARS} characters longer than written (at ${printable(place.key)})`,
    'substitute fewer or shorter environment variables',
  );
}
