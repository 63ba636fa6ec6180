/**
 * The one error this package throws: a server that a test needs cannot be provided.
 * The message always says what failed and how to fix it; tests must fail on it, never skip.
 */
export class TestServerError extends Error {
  override readonly name: string = 'TestServerError';
  /** 'kafka', 'rabbitmq-stream', 'nats', 'redis', 'postgres', 's3' */
  readonly server: string;
  /** The fix-it text, also included in the message. */
  readonly hint: string;

  constructor(server: string, detail: string, hint: string, options?: { cause?: unknown }) {
    super(`[test-servers:${server}] ${detail}\n  fix: ${hint}`, { cause: options?.cause });
    this.server = server;
    this.hint = hint;
  }
}
