import {
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:file';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: (path: string, role: 'source' | 'sink') => string;
}

// Native fs / stream errors by errno code (never by message text). The conformance or unit
// test that pins each rule is named beside it.
const RULES: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"; transport.test.ts "missing file"
  ENOENT: {
    code: 'not-found',
    text: 'no such file or directory',
    hint: (path, role) =>
      role === 'source'
        ? `check \`path\` (${path}); the source reads an existing file`
        : `check that the directory of ${path} can be created (mkdir=true, the default, creates missing parents on a writable file system)`,
  },
  ENOTDIR: {
    code: 'not-found',
    text: 'a parent of the path is not a directory',
    hint: (path) => `a parent of ${path} is a regular file: fix the path`,
  },
  // transport.test.ts "permission denied"
  EACCES: {
    code: 'permission-denied',
    text: 'permission denied',
    hint: (path) => `give the process (uid ${process.getuid?.() ?? '?'}) access to ${path}`,
  },
  EPERM: { code: 'permission-denied', text: 'operation not permitted' },
  EROFS: { code: 'permission-denied', text: 'read-only file system' },
  // transport.test.ts "a directory as path"
  EISDIR: {
    code: 'invalid-config',
    text: 'is a directory',
    hint: () => 'point `path` at a file, not a directory',
  },
  // Transient: the loop retries these with backoff (they are `unavailable`).
  ENOSPC: { code: 'unavailable', text: 'no space left on device' },
  EDQUOT: { code: 'unavailable', text: 'disk quota exceeded' },
  EMFILE: { code: 'unavailable', text: 'too many open files' },
  ENFILE: { code: 'unavailable', text: 'too many open files in the system' },
  EAGAIN: { code: 'unavailable', text: 'resource temporarily unavailable' },
  EBUSY: { code: 'unavailable', text: 'device or resource busy' },
  EFBIG: { code: 'too-large', text: 'file too large' },
  // send.test.ts "stdout closed by the reader": a pipe whose reader left never comes back.
  EPIPE: { code: 'closed', text: 'the reading end of the pipe was closed' },
  ERR_STREAM_DESTROYED: { code: 'closed', text: 'the stream was destroyed' },
  ERR_STREAM_WRITE_AFTER_END: { code: 'closed', text: 'the stream has ended' },
};

/**
 * Maps a native error from `action` on `path` to an `EdgeplaneError`:
 * `[transport:file] cannot open /x.log for reading: no such file or directory (ENOENT)`.
 */
export function fileError(
  error: unknown,
  action: string,
  path: string,
  role: 'source' | 'sink',
): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  const errno = (error as { code?: unknown } | undefined)?.code;
  const rule = typeof errno === 'string' ? RULES[errno] : undefined;
  const cause = error instanceof Error ? error.message : String(error);
  const what = rule ? `${rule.text} (${String(errno)})` : cause;
  return new EdgeplaneError(
    rule?.code ?? 'internal',
    COMPONENT,
    `cannot ${action} ${path}: ${what}`,
    {
      cause: error,
      details: { path, errno },
      hint: rule?.hint?.(path, role),
    },
  );
}

/** `send` / `ack` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** A `send` whose signal was already aborted. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** A source path that is not a regular file (a FIFO, a device, a socket). */
export function notRegularFile(path: string, kind: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `\`path\` ${path} is ${kind}, not a regular file`,
    {
      details: { path },
      hint: 'to read a pipe or a device, set `path=-` and redirect it to stdin',
    },
  );
}

/** A line longer than `maxLineBytes`, without a dead-letter file. */
export function overLongLine(
  path: string,
  offset: number,
  line: number | undefined,
  limit: number,
): EdgeplaneError {
  const where =
    line === undefined
      ? `the line at byte offset ${offset}`
      : `line ${line} (byte offset ${offset})`;
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `${where} of ${path} is longer than \`maxLineBytes\` (${limit} bytes): raise \`maxLineBytes\` or set \`deadLetterPath\` to divert over-long lines`,
    {
      details: { path, offset, line, limit },
      hint: 'raise `maxLineBytes` (up to 1073741824) or set `deadLetterPath`; lines are never truncated',
    },
  );
}

/** A body line framing cannot carry. */
export function unframeable(index: number, why: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `message ${index} of the batch ${why}: a line-framed file cannot carry it`,
    { details: { index }, hint: 'strip or escape line breaks before the file egress' },
  );
}

/** A `receive({ from })` that is not a byte offset. */
export function badPosition(from: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `position ${JSON.stringify(from)} is not a byte offset (a decimal integer)`,
  );
}

/** A checkpoint file that cannot be parsed. */
export function badCheckpoint(path: string, why: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `checkpoint ${path} is unreadable: ${why}`,
    {
      details: { path },
      hint: `delete ${path} to start again from the beginning of the file`,
    },
  );
}
