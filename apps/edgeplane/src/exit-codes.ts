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
