import { EdgeplaneError } from '@edgeplane/errors';

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
