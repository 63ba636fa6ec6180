/**
 * The one error type of edgeplane. Every package throws (or returns, in a `SendResult`)
 * an `EdgeplaneError` with a code from the closed set `ErrorCode`; the CLI maps codes to
 * exit codes (docs/guide/errors.md). Native errors are mapped in each package's own `errors.ts`.
 *
 * @module
 */

/** The closed set of error codes. New codes need a changeset and a docs entry. */
export type ErrorCode =
  | 'invalid-config'
  | 'invalid-input'
  | 'unauthenticated'
  | 'permission-denied'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'closed'
  | 'protocol'
  | 'tls'
  | 'internal';

/** Every code, in documentation order. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'invalid-config',
  'invalid-input',
  'unauthenticated',
  'permission-denied',
  'not-found',
  'conflict',
  'too-large',
  'unavailable',
  'timeout',
  'cancelled',
  'closed',
  'protocol',
  'tls',
  'internal',
];

const BRAND = Symbol.for('edgeplane.error');
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['unavailable', 'timeout']);

/** Options of an `EdgeplaneError`: the native cause and structured, secret-free details. */
export interface EdgeplaneErrorOptions {
  readonly cause?: unknown;
  /** Secret-free structured context (file, key, option name...). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** One line telling the operator how to fix it; the CLI prints it as `hint:`. */
  readonly hint?: string;
}

/**
 * An error with a stable `code` and the `component` that raised it
 * (`spec-kv`, `adapter-loop`, `transport:file`, ...). Its message is `[component] detail`.
 * It is branded with a registry symbol, so `isEdgeplaneError` works across duplicate installs.
 */
export class EdgeplaneError extends Error {
  override readonly name: string = 'EdgeplaneError';
  readonly code: ErrorCode;
  readonly component: string;
  readonly detail: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, component: string, detail: string, options?: EdgeplaneErrorOptions) {
    super(`[${component}] ${detail}`, { cause: options?.cause });
    this.code = code;
    this.component = component;
    this.detail = detail;
    this.details = options?.details;
    this.hint = options?.hint;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for `unavailable` and `timeout`: the loop retries these with backoff. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** Wraps anything thrown into an `EdgeplaneError` (returned unchanged if it already is one). */
  static from(
    reason: unknown,
    component: string,
    fallback: ErrorCode = 'internal',
  ): EdgeplaneError {
    if (isEdgeplaneError(reason)) return reason;
    const text = reason instanceof Error ? reason.message : String(reason);
    return new EdgeplaneError(fallback, component, text, { cause: reason });
  }
}

/** Type guard that works across duplicate installs of this package. */
export function isEdgeplaneError(value: unknown): value is EdgeplaneError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

export {
  capWarnings,
  MAX_PRINTED_WARNINGS,
  PRINTABLE_MAX_CHARS,
  printable,
} from './printable.js';
export { INPUT_LIMITS, type ReadInputOptions, readInputFile } from './read-input.js';
