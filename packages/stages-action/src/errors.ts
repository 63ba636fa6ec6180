import { EdgeplaneError, type ErrorCode } from '@edgeplane/errors';

/** Component names: messages start with `[stage:http_post]` or `[stage:exec]`. */
export const HTTP_POST_COMPONENT = 'stage:http_post';
export const EXEC_COMPONENT = 'stage:exec';

/**
 * A failed POST: `retryable` for connection errors, time-outs, 5xx, 408 and 429; `retryAfterMs`
 * from a 429/503 `Retry-After` in seconds.
 */
export interface PostFailure {
  readonly error: EdgeplaneError;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** HTTP status -> error code (pinned by http-post.test.ts "permanent failure"). */
export function statusCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too-large';
  if (status === 429 || status >= 500) return 'unavailable';
  if (status >= 300 && status < 400) return 'protocol';
  return 'invalid-input';
}

/**
 * Maps a fetch (undici) failure. Keyed on `cause.code` (ECONNREFUSED, ECONNRESET, ENOTFOUND,
 * UND_ERR_SOCKET, ...), never on message text; every network failure is retryable.
 * Pinned by http-post.test.ts "retries a refused connection".
 */
export function networkFailure(cause: unknown, where: string): PostFailure {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason = String(
    inner?.code ?? inner?.message ?? (cause as Error)?.message ?? 'network error',
  );
  const error = new EdgeplaneError(
    'unavailable',
    HTTP_POST_COMPONENT,
    `POST ${where} failed: ${reason}`,
    { cause },
  );
  return { error, retryable: true };
}

/** Maps a child-process spawn error by errno (ENOENT, EACCES, ...). Pinned by exec.test.ts. */
export function spawnError(cause: unknown, program: string): EdgeplaneError {
  const errno = (cause as NodeJS.ErrnoException | null)?.code;
  const code: ErrorCode =
    errno === 'ENOENT' ? 'not-found' : errno === 'EACCES' ? 'permission-denied' : 'unavailable';
  const why =
    errno === 'ENOENT'
      ? 'program not found'
      : errno === 'EACCES'
        ? 'permission denied'
        : (errno ?? String(cause));
  return new EdgeplaneError(code, EXEC_COMPONENT, `cannot run ${JSON.stringify(program)}: ${why}`, {
    cause,
  });
}
