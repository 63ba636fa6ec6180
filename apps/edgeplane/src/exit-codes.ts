import type { ErrorCode } from '@edgeplane/errors';

/**
 * Exit codes of every verb (reference decision 8): 0 success; 1 runtime failure (a transport or
 * stage failed and the loop stopped without losing data); 2 usage or invalid input (bad flag,
 * spec, config, credential); 3 the host is not ready (`doctor`); 130/143 stopped by
 * SIGINT/SIGTERM: after a clean drain, while the transports were still opening, or before the
 * loop started (the last two move nothing).
 */
export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  hostNotReady: 3,
  sigint: 130,
  sigterm: 143,
} as const;

const USAGE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid-config',
  'invalid-input',
  'unauthenticated',
  'permission-denied',
  'not-found',
  'conflict',
  'too-large',
]);

/** Maps an error code to the exit code: input problems → 2, everything at run time → 1. */
export function exitCodeFor(code: ErrorCode): number {
  return USAGE.has(code) ? EXIT.usage : EXIT.runtime;
}

/**
 * Refusals: the server or the file system will not let this identity in, however often we try.
 * The operator must fix a credential or a permission, so they exit 2 at any point of the run.
 */
const REFUSED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unauthenticated',
  'permission-denied',
]);

/**
 * Exit code of a run that failed: while opening, the code's exit code (2 for configuration
 * problems, 1 for `unavailable`…); while running, 2 for a refusal (`unauthenticated`,
 * `permission-denied`: a password changed mid-run, a file that cannot be read) and 1 otherwise.
 */
export function exitCodeForFailure(code: ErrorCode, during: 'open' | 'run' | undefined): number {
  if (during === 'open') return exitCodeFor(code);
  return REFUSED.has(code) ? EXIT.usage : EXIT.runtime;
}
