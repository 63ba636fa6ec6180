import { topRates } from './figures.js';
import { clip, paint } from './layout.js';
import { adapters, head, incidents, messages, ring, stages } from './sections.js';
import type { TopRenderOptions, TopSnapshot } from './types.js';

export { TOP_WIDE_COLUMNS } from './sections.js';

const MIN_WIDTH = 40;

/**
 * One frame of `edgeplane top`: the lines (without line breaks) for `current`, with rates
 * (messages/s) from `previous` when it is an earlier snapshot of the same run. Every line fits
 * `options.width` columns (ANSI styles excluded), and the frame `options.height` lines. Pure: the
 * same input always gives the same frame.
 */
export function renderTop(
  previous: TopSnapshot | undefined,
  current: TopSnapshot,
  options: TopRenderOptions,
): string[] {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width));
  const { color } = options;
  const rates = topRates(previous, current);
  const body = [
    ...head(current, options, width, color),
    '',
    ...messages(current, rates, options, width),
    ...ring(current, color),
    '',
    ...adapters(current, rates, width, color),
    ...stages(current, width, color),
    ...incidents(current, width, color),
  ];
  return frame(body, { ...options, width });
}

/** The frame while the lane holds no snapshot yet. */
export function renderTopWaiting(lanePath: string, options: TopRenderOptions): string[] {
  const { color } = options;
  return frame(
    [
      `${paint('edgeplane top', 'bold', color)}  waiting for ${lanePath}/snapshot.json`,
      '',
      paint('no snapshot yet: is the loop started?', ['yellow', 'bold'], color),
      `a running loop writes it every loop.snapshotIntervalMs; start one with`,
      `  edgeplane run --spec=spec.kv --lane-path=${lanePath}`,
    ],
    { ...options, width: Math.max(MIN_WIDTH, Math.floor(options.width)) },
  );
}

/** Cuts lines to the width, the frame to the height (keeping the footer), appends the footer. */
function frame(body: readonly string[], o: TopRenderOptions): string[] {
  const footer = o.footer === undefined ? [] : ['', paint(o.footer, 'dim', o.color)];
  const room = o.height === undefined ? body.length : Math.max(1, o.height - footer.length);
  const shown =
    body.length <= room
      ? body
      : [
          ...body.slice(0, room - 1),
          `… ${body.length - room + 1} more lines: enlarge the terminal`,
        ];
  return [...shown, ...footer].map((line) => clip(line, o.width));
}
