import type { StageFactoryContext, StageMessage } from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
import { Environment, type ParseError } from '@marcbachmann/cel-js';
import { requireSetting, settingError } from './setting-checks.js';

/**
 * One CEL environment for every stage: variables are dynamic (the body's top-level fields, plus
 * `body`, `key` and `headers`), map and list literals may mix types, `?.` optional chaining is on.
 * Parse limits are cel-js's defaults (100,000 AST nodes, depth 250).
 */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
});

/** A compiled expression: evaluates over one message's parsed body. Throws cel-js errors. */
export interface CelProgram {
  readonly source: string;
  /** The static result type (`bool`, `map`, `dyn`, ...). */
  readonly type: string;
  evaluate(body: unknown, message: StageMessage): unknown;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 1-based line and column of a 0-based offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function compileError(
  context: StageFactoryContext,
  setting: string,
  source: string,
  error: unknown,
): Error {
  const e = error as Partial<ParseError> & { message?: string };
  const summary = printable(e.summary ?? e.message ?? String(error), 200);
  const offset = e.range?.start;
  if (offset === undefined)
    return settingError(context, setting, `does not compile: ${summary}`, 'check the CEL syntax');
  const { line, column } = lineColumn(source, offset);
  const at = line > 1 ? `line ${line} column ${column}` : `column ${column}`;
  return settingError(
    context,
    setting,
    `does not compile at ${at}: ${summary}`,
    `CEL (https://cel.dev): ${printable(source, 120)}`,
    { line, column },
  );
}

/**
 * Compiles the CEL expression of `stages.<id>.<setting>` once. The variables of an evaluation are
 * the top-level fields of the body (when it is an object) and `body`, `key` (the message key, `""`
 * when none) and `headers` (a map of strings), which win over body fields of the same name.
 * JSON numbers are CEL `double`s (`n + 1.0`, `int(n) + 1`); comparisons mix int and double freely.
 * @throws EdgeplaneError `invalid-config` naming the setting, with the line/column of a syntax or
 *   type error, or when the static type is not one of `types` (e.g. a filter that gives a string).
 */
export function compileCel(
  context: StageFactoryContext,
  setting: string,
  example: string,
  types: readonly string[] | undefined,
): CelProgram {
  const source = requireSetting(context, setting, example);
  let program: ReturnType<Environment['parse']>;
  let type: string;
  try {
    program = environment.parse(source);
    const checked = program.check();
    if (!checked.valid) throw checked.error;
    type = String(checked.type);
  } catch (error) {
    throw compileError(context, setting, source, error);
  }
  if (types && type !== 'dyn' && !types.includes(type))
    throw settingError(
      context,
      setting,
      `gives a ${type}, not a ${types.join(' or ')}`,
      `e.g. stages.${context.id}.${setting}=${example}`,
    );
  // `Object.create(body)` for the variables costs a prototype transition per message (30x
  // slower); spreading is needed only when the expression names body, key or headers.
  const extras = /\b(body|key|headers)\b/.test(source);
  return {
    source,
    type,
    evaluate(body, message) {
      if (!extras && isRecord(body)) return program(body);
      const headers = message.headers ?? EMPTY;
      const key = message.key ?? '';
      return program(isRecord(body) ? { ...body, body, key, headers } : { body, key, headers });
    },
  };
}

/** The text of an evaluation error: cel-js's summary and the column, on one line. */
export function evaluationProblem(
  source: string,
  error: unknown,
): { detail: string; column?: number } {
  const e = error as Partial<ParseError> & { message?: string };
  const summary = printable(e.summary ?? e.message ?? String(error), 200);
  const offset = e.range?.start;
  if (offset === undefined) return { detail: summary };
  const { column } = lineColumn(source, offset);
  return { detail: `${summary} (column ${column})`, column };
}
