import type { ErrorCode } from '@edgeplane/errors';

/**
 * Exit codes of every verb (reference decision 8): 0 success; 1 runtime failure (a server lost,
 * a timeout, a stage bug: the loop stopped without losing data); 2 usage or invalid input (bad
 * flag, spec, config, credential — also when refused mid-run — or a message the egress refuses
 * permanently); 3 the host is not ready (`doctor`); 130/143 stopped by SIGINT/SIGTERM after a
 * clean drain.
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

/** Maps an error code to the exit code: what the operator must fix → 2, the rest → 1. */
export function exitCodeFor(code: ErrorCode): number {
  return USAGE.has(code) ? EXIT.usage : EXIT.runtime;
}
