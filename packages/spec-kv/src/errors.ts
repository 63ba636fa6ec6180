import { EdgeplaneError, printable } from '@edgeplane/errors';

/** What a `SpecParseError` is built from. */
export interface SpecParseErrorInit {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /**
   * The key involved, as written in the file (through `printable`: at most 80 characters);
   * absent for file-level problems.
   */
  readonly key?: string | undefined;
  /** What is wrong, lower-case, no trailing period. */
  readonly detail: string;
  /** The fix, one line. */
  readonly hint: string;
}

/**
 * The only error `parseSpec` throws. Code `invalid-config`, component `spec-kv`; the message is
 * compiler style, `spec.kv:12:5: detail`, without the usual `[spec-kv]` prefix, so editors and
 * terminals can jump to the position. `hint` always holds the one-line fix.
 * Source: STYLE §4 (one subclass that adds fields) and reference decision 1 (line:column errors).
 */
export class SpecParseError extends EdgeplaneError {
  override readonly name: string = 'SpecParseError';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string | undefined;

  constructor(init: SpecParseErrorInit) {
    const { file, line, column, key, detail, hint } = init;
    super('invalid-config', 'spec-kv', detail, { hint, details: { file, line, column, key } });
    this.file = file;
    this.line = line;
    this.column = column;
    this.key = key;
    this.message = `${file}:${line}:${column}: ${detail}`;
  }
}

/** A position in the file and, when there is one, the key as written. */
export interface Where {
  readonly line: number;
  readonly column: number;
  readonly key?: string | undefined;
}

/** Shorthand used by the parser: `throw fail(file, where, detail, hint)`. */
export function fail(file: string, where: Where, detail: string, hint: string): SpecParseError {
  const key = where.key === undefined ? undefined : printable(where.key);
  return new SpecParseError({ file, line: where.line, column: where.column, key, detail, hint });
}
