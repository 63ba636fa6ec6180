/** Default time budget of one report request (connect, headers and body), ms. */
export const DEFAULT_REPORT_TIMEOUT_MS = 5_000;
/** Longest `Retry-After` honoured, ms; a larger value is cut to this (15 min). */
export const MAX_RETRY_AFTER_MS: number = 15 * 60_000;

/**
 * How a report attempt failed. `auth` (401/403) stops that kind of report; `retryable` (429, 5xx,
 * time-out, network) backs off; `rejected` (other 4xx, 3xx) waits for the next interval.
 */
export class ReportFailure extends Error {
  override readonly name: string = 'ReportFailure';
  readonly kind: 'auth' | 'retryable' | 'rejected';
  /** HTTP status, or null for a time-out or network error. */
  readonly status: number | null;
  /** From `Retry-After`, when the server sent a usable one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: 'auth' | 'retryable' | 'rejected',
    message: string,
    status: number | null,
    retryAfterMs?: number,
  ) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Parses `Retry-After` (RFC 9110 10.2.3): delay-seconds or an HTTP-date, relative to `nowMs`.
 * Returns ms (0 for a date in the past, at most `MAX_RETRY_AFTER_MS`), or undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP-date starts with a day name ("Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete forms).
    const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** Inputs of one POST. */
export interface PostReportOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly body: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** Aborts when the reporter stops. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

function networkReason(cause: unknown): string {
  // undici puts the errno (ECONNREFUSED, ...) or a short reason in `cause`.
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  return String(inner?.code ?? inner?.message ?? 'network error');
}

/**
 * POSTs a JSON report with `Authorization: Bearer <key>`. Resolves on 2xx; otherwise throws a
 * `ReportFailure` whose message names the status or cause and never the key. Redirects are refused
 * so the bearer key is never forwarded elsewhere. Throws the stop signal's reason when stopped.
 */
export async function postReport(options: PostReportOptions): Promise<number> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await options.fetch(options.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: options.body,
      redirect: 'error',
      signal: AbortSignal.any([timeout, options.signal]),
    });
    await response.body?.cancel();
  } catch (cause) {
    if (options.signal.aborted) throw options.signal.reason;
    if (timeout.aborted) {
      throw new ReportFailure('retryable', `no answer within ${options.timeoutMs} ms`, null);
    }
    throw new ReportFailure('retryable', `request failed: ${networkReason(cause)}`, null);
  }
  const { status } = response;
  if (status >= 200 && status < 300) return status;
  const text = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (status === 401 || status === 403) throw new ReportFailure('auth', text, status);
  if (status === 429 || status >= 500) {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), options.now());
    throw new ReportFailure('retryable', text, status, retryAfter);
  }
  throw new ReportFailure('rejected', text, status);
}
