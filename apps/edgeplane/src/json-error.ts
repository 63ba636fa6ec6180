import type { EdgeplaneError } from '@edgeplane/errors';

/** Detail keys copied into the JSON error: names and positions, never values (secrets stay out). */
const DETAIL_KEYS = ['option', 'key', 'file', 'line', 'column', 'flag', 'stage', 'tls_code'];

/** The error of a `--json` run or verb, for machines: what the text error says, field by field. */
export interface JsonError {
  /** The error code (`invalid-config`, `tls`, `unavailable`, ...: @edgeplane/errors). */
  readonly code: string;
  /** The exit code the CLI returns for it (docs/cli.md). */
  readonly exit: number;
  /** The component that raised it: `cli`, `app-kit`, `transport:redis-streams`, ... */
  readonly component: string;
  readonly message: string;
  readonly hint: string | null;
  /** Where it applies, when known: `option`, `key`, `file`, `line`, `column`, `flag`, ... */
  readonly details: Readonly<Record<string, string | number>>;
}

/**
 * Builds the `--json` form of an error. `text` redacts what is printed (the deployment's
 * secrets); only scalar details under `DETAIL_KEYS` are copied.
 */
export function jsonError(
  error: EdgeplaneError,
  exit: number,
  text: (s: string) => string = (s) => s,
): JsonError {
  const details: Record<string, string | number> = {};
  for (const key of DETAIL_KEYS) {
    const value = error.details?.[key];
    if (typeof value === 'string') details[key] = text(value);
    else if (typeof value === 'number') details[key] = value;
  }
  return {
    code: error.code,
    exit,
    component: error.component,
    message: text(error.message.replace(/^\[(cli|app-kit)\] /, '')),
    hint: error.hint ? text(error.hint) : null,
    details,
  };
}
