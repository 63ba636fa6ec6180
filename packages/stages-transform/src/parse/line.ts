import type { Stage, StageFactoryContext, StageOutput } from '@edgeplane/adapter-loop';
import { withJson } from '../json-body.js';
import { lineOf, notText, quote, refuse } from '../refuse.js';
import { component } from '../setting-checks.js';

/**
 * Why a line does not parse: `detail` says what (and where, in words); `column` is the 1-based
 * character position in the line where the parser gave up, when it knows it.
 */
export class LineError extends Error {
  readonly column: number | undefined;
  constructor(detail: string, column?: number) {
    super(detail);
    this.column = column;
  }
}

/** Parses one line of text into a JSON object. Throws `LineError` when the line does not fit. */
export type LineParser = (line: string) => object;

/** The refusal of a line a parser rejected: what, where (column), and the start of the line. */
export function lineRefusal(
  component: string,
  format: string,
  line: string,
  error: unknown,
): StageOutput {
  const column = error instanceof LineError ? error.column : undefined;
  const what = error instanceof Error ? error.message : String(error);
  return refuse(
    component,
    `cannot parse as ${format}: ${what}${column === undefined ? '' : ` at column ${column}`}: ${quote(line)}`,
    { details: { format, ...(column === undefined ? {} : { column }) } },
  );
}

/**
 * A `parse:<format>` stage over text lines: each body (UTF-8, one trailing `\n` / `\r\n` dropped)
 * goes through `parseLine`; the object becomes the body (JSON, serialised lazily). A body that is
 * not UTF-8, or a line the parser rejects, is refused as invalid input.
 */
export function lineStage(
  context: StageFactoryContext,
  format: string,
  parseLine: LineParser,
): Stage {
  const id = component(context);
  return {
    key: context.key,
    process: (messages) => {
      const out: StageOutput[] = new Array(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as (typeof messages)[number];
        const line = lineOf(m);
        if (line === undefined) {
          out[i] = notText(id, m);
          continue;
        }
        try {
          out[i] = withJson(m, parseLine(line));
        } catch (error) {
          out[i] = lineRefusal(id, format, line, error);
        }
      }
      return out;
    },
  };
}
