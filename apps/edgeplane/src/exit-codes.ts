import type { ErrorCode } from '@edgeplane/errors';

/**
 * Exit codes of every verb (reference decision 8): 0 success; 1 runtime failure (a server lost,
 * a timeout, a stage bug: the loop stopped without losing data); 2 usage or invalid input (bad
 * flag, spec, config, credential — also when refused mid-run — or a message the egress refuses
 * permanently); 3 the host or an endpoint is not ready (`doctor`; `run` on a Node.js too old); 130/143 stopped by
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
  'tls',
]);

/** Maps an error code to the exit code: what the operator must fix → 2, the rest → 1. */
export function exitCodeFor(code: ErrorCode): number {
  return USAGE.has(code) ? EXIT.usage : EXIT.runtime;
}

/**
 * Exit code of a run that failed, by the error's code whenever it happened (opening or running):
 * 2 for what the operator must fix — a refusal (`unauthenticated`, `permission-denied`, `tls`: a password
 * changed mid-run, a certificate the server refuses, a file that cannot be read), a message the egress refuses permanently
 * (`invalid-input`, `too-large`), a bad config — and 1 for the rest (`unavailable`, `timeout`,
 * `internal`: a server lost for longer than the retry budget, a stage bug).
 */
export function exitCodeForFailure(code: ErrorCode, _during: 'open' | 'run' | undefined): number {
  return exitCodeFor(code);
}
