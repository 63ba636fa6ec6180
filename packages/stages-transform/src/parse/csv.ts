import type {
  Stage,
  StageFactoryContext,
  StageMessage,
  StageOutput,
} from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
import { parse } from 'csv-parse/sync';
import { withJson } from '../json-body.js';
import { lineOf, notText } from '../refuse.js';
import { booleanSetting, component, settingError } from '../setting-checks.js';
import { setField } from './fields.js';
import { LineError, lineRefusal } from './line.js';

/** Settings of `parse:csv`. */
export const CSV_SETTINGS: readonly string[] = ['columns', 'header', 'delimiter'];

function delimiterOf(context: StageFactoryContext): string {
  const value = context.settings.delimiter ?? ',';
  if (value === 'tab') return '\t';
  if (value.length === 1 && value !== '"' && value !== '\n' && value !== '\r') return value;
  throw settingError(
    context,
    'delimiter',
    `must be one character (or tab), got "${printable(value, 20)}"`,
    `e.g. stages.${context.id}.delimiter=; or stages.${context.id}.delimiter=tab`,
  );
}

function columnsOf(context: StageFactoryContext, header: boolean): string[] | undefined {
  const value = context.settings.columns;
  if (value === undefined) {
    if (header) return undefined;
    throw settingError(
      context,
      'columns',
      'is required (or header=true)',
      `name the fields: stages.${context.id}.columns=time,level,message, or take them from the first line: stages.${context.id}.header=true`,
    );
  }
  if (header)
    throw settingError(
      context,
      'columns',
      'and `header=true` are both set',
      'keep one: the column names, or the first line as the header',
    );
  return checkColumns(
    value.split(',').map((c) => c.trim()),
    (detail) =>
      settingError(context, 'columns', detail, 'write comma-separated, distinct, non-empty names'),
  );
}

function checkColumns(names: string[], fail: (detail: string) => Error): string[] {
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name === '') throw fail(`has an empty name at position ${i + 1}`);
    if (seen.has(name)) throw fail(`names "${printable(name, 40)}" twice`);
    seen.add(name);
  }
  return names;
}

/** The column names of a header line. Throws `LineError` when it is empty or repeats a name. */
function headerOf(line: string, delimiter: string): string[] {
  let names: string[];
  try {
    names = (parse(line, { delimiter }) as string[][])[0] ?? [];
  } catch (error) {
    throw new LineError(`header: ${String((error as Error).message ?? error)}`);
  }
  if (names.length === 0) throw new LineError('empty header line');
  return checkColumns(names, (detail) => new LineError(`header ${detail}`));
}

/** One message's CSV text parsed alone: exactly one record, with one field per column. */
function parseOne(line: string, delimiter: string, columns: readonly string[]): object {
  let records: string[][];
  try {
    records = parse(line, { delimiter, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new LineError(String((error as Error).message ?? error));
  }
  if (records.length !== 1)
    throw new LineError(
      records.length === 0 ? 'empty line' : `holds ${records.length} records, not one`,
    );
  return record(records[0] as string[], columns);
}

function record(values: readonly string[], columns: readonly string[]): object {
  if (values.length !== columns.length)
    throw new LineError(
      `has ${values.length} fields, expected ${columns.length} (${columns.join(',')})`,
    );
  const fields: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) setField(fields, columns[c] as string, values[c]);
  return fields;
}

/**
 * `parse:csv`: one message is one CSV record (RFC 4180 quoting, `csv-parse`), with field names from
 * `stages.<id>.columns` or from the first message (`header=true`, which that message is dropped
 * for). Values stay strings. A batch is parsed as one document (fast path) when every record maps
 * back onto exactly its message; otherwise each message is parsed alone, to refuse the bad ones.
 * @throws EdgeplaneError `invalid-config` for a bad `columns`, `header` or `delimiter`.
 */
export function csvStage(context: StageFactoryContext): Stage {
  const id = component(context);
  const delimiter = delimiterOf(context);
  const header = booleanSetting(context, 'header', false);
  let columns = columnsOf(context, header);
  const one = (m: StageMessage, line: string | undefined): StageOutput => {
    if (line === undefined) return notText(id, m);
    try {
      if (columns) return withJson(m, parseOne(line, delimiter, columns));
      columns = headerOf(line, delimiter);
      return null;
    } catch (error) {
      return lineRefusal(id, 'csv', line, error);
    }
  };
  return {
    key: context.key,
    process: (messages) => {
      const lines = messages.map(lineOf);
      // header=true: the first message names the columns, the rest of the batch can go fast
      const head =
        columns || messages.length === 0 ? [] : [one(messages[0] as StageMessage, lines[0])];
      const rest = messages.slice(head.length);
      const restLines = lines.slice(head.length);
      const fast = columns && batch(rest, restLines, delimiter, columns);
      return [...head, ...(fast || rest.map((m, i) => one(m, restLines[i])))];
    },
  };
}

/** The fast path: all lines as one document; undefined unless each record is exactly its line. */
function batch(
  messages: readonly StageMessage[],
  lines: readonly (string | undefined)[],
  delimiter: string,
  columns: readonly string[],
): StageOutput[] | undefined {
  if (lines.some((l) => l === undefined || l === '')) return undefined;
  let records: { record: string[]; raw: string }[];
  try {
    records = parse(lines.join('\n'), {
      delimiter,
      relax_column_count: true,
      raw: true,
    }) as unknown as { record: string[]; raw: string }[];
  } catch {
    return undefined;
  }
  if (records.length !== lines.length) return undefined;
  const out: StageOutput[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const r = records[i] as { record: string[]; raw: string };
    const line = lines[i] as string;
    if (r.raw !== line && r.raw !== `${line}\n`) return undefined;
    if (r.record.length !== columns.length) return undefined;
    out[i] = withJson(messages[i] as StageMessage, record(r.record, columns));
  }
  return out;
}
