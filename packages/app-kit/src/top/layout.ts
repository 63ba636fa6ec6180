import { styleText } from 'node:util';
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** A style of `node:util` `styleText`: `red`, `bold`, `['yellow', 'bold']`, ... */
export type Style = Parameters<typeof styleText>[0];

/** `text` in `style` when colours are on, else as is. */
export const paint = (text: string, style: Style | undefined, color: boolean): string =>
  color && style && text !== '' ? styleText(style, text, { validateStream: false }) : text;

/**
 * One line of plain text from a value that may hold anything (an error message from a remote
 * server): line breaks, tabs and other control characters become spaces.
 */
export const oneLine = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

/** Cuts `text` (ANSI styles allowed) to `width` columns, ending with `…` when cut. */
export const clip = (text: string, width: number): string =>
  stringWidth(text) <= width ? text : cliTruncate(text, Math.max(1, width));

/** Pads `text` (ANSI styles allowed) to `width` columns (`right`: on the left, for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - stringWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A table column. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Shrinks first (down to `min`) when the table is wider than the line; `fill` also grows. */
  readonly flex?: 'shrink' | 'fill';
  readonly min?: number;
}

/** A cell: plain text and, optionally, its style. */
export type Cell = string | { readonly text: string; readonly style?: Style | undefined };

const GAP = '  ';

/**
 * A table of `rows` laid out in `width` columns: each column as wide as its widest cell, the
 * `flex` columns shrunk (or, for `fill`, grown) to fit; cells cut with `…`; the header bold.
 */
export function table(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  width: number,
  color: boolean,
): string[] {
  const text = (c: Cell | undefined): string =>
    oneLine(typeof c === 'string' ? c : (c?.text ?? ''));
  const widths = columns.map((col, i) =>
    Math.max(stringWidth(col.header), ...rows.map((r) => stringWidth(text(r[i])))),
  );
  let spare = width - (widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1));
  columns.forEach((col, i) => {
    const w = widths[i] ?? 0;
    if (spare < 0 && col.flex) {
      const cut = Math.min(-spare, w - Math.min(w, col.min ?? 6));
      widths[i] = w - cut;
      spare += cut;
    } else if (spare > 0 && col.flex === 'fill') {
      widths[i] = w + spare;
      spare = 0;
    }
  });
  const line = (cells: readonly Cell[], header: boolean): string =>
    columns
      .map((col, i) => {
        const w = widths[i] ?? 0;
        const last = i === columns.length - 1 && col.align !== 'right';
        const cell = cells[i];
        const style = header ? 'bold' : typeof cell === 'object' ? cell.style : undefined;
        const styled = paint(clip(text(cell), w), style, color);
        return last ? styled : pad(styled, w, col.align);
      })
      .join(GAP)
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      true,
    ),
    ...rows.map((r) => line(r, false)),
  ];
}

/**
 * `label` and `text` (plain) on one line when they fit `width`; else the label alone, then
 * `text` wrapped on at most `maxLines` lines indented by two spaces (the last one cut with `…`).
 */
export function labelled(label: string, text: string, width: number, maxLines = 2): string[] {
  const line = `${label}  ${oneLine(text)}`;
  if (stringWidth(line) <= width) return [line];
  const wrapped = wrapAnsi(oneLine(text), width - 2, { hard: true, trim: true }).split('\n');
  const shown = wrapped.slice(0, maxLines);
  if (wrapped.length > maxLines)
    shown[maxLines - 1] = `${shown[maxLines - 1]} ${wrapped[maxLines]}`;
  return [label, ...shown.map((l) => clip(`  ${l}`, width))];
}
