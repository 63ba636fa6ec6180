import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capWarnings, printable } from './printable.js';

/** C0, DEL, C1, line/paragraph separators, bidi controls, BOM: what a message must not carry raw. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what the test looks for
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]/;

describe('printable', () => {
  it('escapes ANSI sequences, NUL, DEL and C1 controls', () => {
    expect(printable('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(printable('a\u0000b\u007fc\u0085d\u009be')).toBe('a\\x00b\\x7fc\\u0085d\\u009be');
    expect(printable('tab\there\nnext\r')).toBe('tab\\x09here\\x0anext\\x0d');
    expect(printable('abc\u202edcba')).toBe('abc\\u202edcba');
  });

  it('keeps ordinary text, including non-ASCII letters and emoji, unchanged', () => {
    expect(printable('stages.fwd.timeoutMs')).toBe('stages.fwd.timeoutMs');
    expect(printable('café ☕ 😀')).toBe('café ☕ 😀');
  });

  it('shortens long text and says how many UTF-8 bytes were left out', () => {
    expect(printable('a'.repeat(100), 10)).toBe('aaaaaaaaaa…(90 more bytes)');
    expect(printable(`${'a'.repeat(80)}ééé`)).toBe(`${'a'.repeat(80)}…(6 more bytes)`);
    // a surrogate pair is never cut in half
    expect(printable('a😀b', 2)).toBe('a…(5 more bytes)');
    expect(printable('x'.repeat(80))).toBe('x'.repeat(80));
  });

  it('escapes lone surrogates', () => {
    expect(printable('a\ud800b\udc00')).toBe('a\\ud800b\\udc00');
  });

  it('never lets an unsafe character through and stays short, for any input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 1, max: 200 }),
        (text, max) => {
          const out = printable(text, max);
          expect(out).not.toMatch(UNSAFE);
          expect(out.length).toBeLessThanOrEqual(6 * max + 30);
          if (text.length <= max && !UNSAFE.test(text) && !/[\ud800-\udfff]/.test(text)) {
            expect(out).toBe(text);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs time bounded by maxChars, not by the length of the input', () => {
    const huge = '\u001b'.repeat(8 * 1024 * 1024);
    const started = performance.now();
    const out = printable(huge);
    expect(performance.now() - started).toBeLessThan(500);
    expect(out).toBe(`${'\\x1b'.repeat(80)}…(${8 * 1024 * 1024 - 80} more bytes)`);
  });
});

describe('capWarnings', () => {
  it('keeps the first 20 and counts the rest', () => {
    const lines = Array.from({ length: 25 }, (_, i) => `w${i}`);
    expect(capWarnings(lines)).toEqual([...lines.slice(0, 20), 'and 5 more warnings']);
    expect(capWarnings(lines.slice(0, 21))).toEqual([...lines.slice(0, 20), 'and 1 more warning']);
    expect(capWarnings(lines.slice(0, 20))).toEqual(lines.slice(0, 20));
  });
});
