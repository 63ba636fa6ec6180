import { EdgeplaneError } from '@edgeplane/errors';
import { redactText } from '../redact.js';

/**
 * An invalid adapter config: code `invalid-config`, with a compiler-style message
 * `adapters.kv:3:8: <detail>` and the fix in `hint`.
 */
export class ConfigError extends EdgeplaneError {
  override readonly name: string = 'ConfigError';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string | undefined;

  constructor(
    place: { file: string; line: number; column: number; key?: string | undefined },
    detail: string,
    hint: string,
    cause?: unknown,
  ) {
    super('invalid-config', 'config', detail, { hint, cause, details: { ...place } });
    this.file = place.file;
    this.line = place.line;
    this.column = place.column;
    this.key = place.key;
    this.message = `${place.file}:${place.line}:${place.column}: ${detail}`;
  }
}

/**
 * `error` with every value of `secrets` replaced by `[redacted]` in its message and hint; the
 * cause is dropped when its message carried one. Returns `error` itself when nothing matched.
 */
export function redactConfigError(error: ConfigError, secrets: readonly string[]): ConfigError {
  const carries = (text: string | undefined) => !!text && secrets.some((v) => text.includes(v));
  if (!carries(error.message) && !carries(error.hint)) return error;
  const cause =
    error.cause instanceof Error && carries(error.cause.message) ? undefined : error.cause;
  return new ConfigError(
    { file: error.file, line: error.line, column: error.column, key: error.key },
    redactText(error.detail, secrets),
    redactText(error.hint ?? '', secrets),
    cause,
  );
}
