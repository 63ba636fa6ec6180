/**
 * Making user input safe to quote in a message: an error or warning that echoes a key, a value
 * or a line from a hostile file must not be able to move the cursor, recolour or clear the
 * terminal, reorder text (bidirectional overrides) or fill the screen.
 *
 * @module
 */

/** Default number of characters of user input a message quotes. */
export const PRINTABLE_MAX_CHARS = 80;

const hex2 = (code: number): string => code.toString(16).padStart(2, '0');
const hex4 = (code: number): string => code.toString(16).padStart(4, '0');

/** True for the code units `printable` escapes. */
function unsafe(code: number): boolean {
  return (
    code < 0x20 || // C0, including ESC (ANSI sequences start with it), tab, CR, LF
    (code >= 0x7f && code <= 0x9f) || // DEL and C1 (0x9b is a one-byte CSI)
    code === 0x2028 || // line separator
    code === 0x2029 || // paragraph separator
    (code >= 0x202a && code <= 0x202e) || // bidirectional embeddings and overrides
    (code >= 0x2066 && code <= 0x2069) || // bidirectional isolates
    code === 0x200e ||
    code === 0x200f ||
    code === 0x061c ||
    code === 0xfeff // byte order mark / zero-width no-break space
  );
}

/**
 * `text` made safe to print inside a message: control characters (C0, DEL, C1 — so also every
 * ANSI escape sequence, whose ESC becomes `\x1b`), line and paragraph separators, bidirectional
 * controls and the BOM are written as escapes (`\x1b`, `\x00`, `\u0085`, `\u202e`), and text
 * longer than `maxChars` characters is cut there and ends with `…(N more bytes)`, N counting the
 * UTF-8 bytes left out. Lone surrogates are written as `\udXXX`. Everything else is unchanged.
 *
 * Work is bounded by `maxChars` plus one UTF-8 length count of the rest: a 100 MB value costs
 * one pass and an 80-character result.
 *
 * @param text the user input to quote (a key, a value, a stage id, a line).
 * @param maxChars how many UTF-16 code units of `text` to keep (default 80, at least 1); a
 *   surrogate pair is never split.
 * @returns the printable form; never longer than `6 × maxChars + 30` characters.
 * @example
 * printable('\x1b[31mred'); // '\\x1b[31mred'
 * printable('a'.repeat(100), 10); // 'aaaaaaaaaa…(90 more bytes)'
 */
export function printable(text: string, maxChars: number = PRINTABLE_MAX_CHARS): string {
  const limit = Math.max(1, Math.floor(maxChars));
  let end = Math.min(text.length, limit);
  // do not cut a surrogate pair in half
  if (end < text.length && end > 0 && isHigh(text.charCodeAt(end - 1))) end--;
  let out = '';
  let start = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (isHigh(code) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      i++; // a well-formed pair: keep it
      continue;
    }
    if (isHigh(code) || isLow(code)) replacement = `\\u${hex4(code)}`;
    else if (unsafe(code)) replacement = code < 0x80 ? `\\x${hex2(code)}` : `\\u${hex4(code)}`;
    if (replacement === undefined) continue;
    out += text.slice(start, i) + replacement;
    start = i + 1;
  }
  out += text.slice(start, end);
  if (end >= text.length) return out;
  return `${out}…(${Buffer.byteLength(text.slice(end), 'utf8')} more bytes)`;
}

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** Default number of warnings a command prints before summarising the rest. */
export const MAX_PRINTED_WARNINGS = 20;

/**
 * At most `max` of `warnings`, followed (when some were left out) by one line
 * `and N more warnings`. Use it wherever a run prints its warnings, so a file with 100,000
 * unknown keys prints 21 lines, not 100,000.
 * @param warnings the warning lines, already printable.
 * @param max how many to keep (default 20).
 * @returns the lines to print.
 */
export function capWarnings(
  warnings: readonly string[],
  max: number = MAX_PRINTED_WARNINGS,
): string[] {
  if (warnings.length <= max) return [...warnings];
  const more = warnings.length - max;
  return [...warnings.slice(0, max), `and ${more} more warning${more === 1 ? '' : 's'}`];
}
