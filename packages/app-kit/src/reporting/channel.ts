import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { ReportFailure } from './http.js';
import type { ReportKindStatus } from './types.js';

/** Backoff ceiling for 5xx / network failures, ms (5 min). */
export const MAX_REPORT_BACKOFF_MS: number = 5 * 60_000;

/** One kind of periodic report (heartbeat or snapshot) and its wiring. */
export interface ChannelOptions {
  /** `heartbeat` or `snapshot`, used in log lines. */
  readonly kind: string;
  readonly intervalMs: number;
  /** Builds the body and POSTs it once; throws `ReportFailure` or the stop reason. */
  readonly send: (signal: AbortSignal) => Promise<number>;
  readonly log: (line: string) => void;
  readonly now: () => number;
  /** Scrubs secrets out of texts before they are logged or stored. */
  readonly scrub: (text: string) => string;
}

const AUTH_HINT: Readonly<Record<number, string>> = {
  401: 'the agent key is missing, expired or wrong: check BYTEOR_AGENT_API_KEY',
  403: "the agent key lacks the scope or the agent's environment binding is wrong",
};

/**
 * Sends one kind of report every `intervalMs`, at most one request in flight. Retryable failures
 * (429, 5xx, time-out, network) back off with p-retry (exponential from the interval, full jitter,
 * capped at 5 min); a `Retry-After` is waited instead of the backoff. 401/403 stops this kind.
 * Logs one line when a failure streak starts and one when it ends. Never throws.
 */
export class ReportChannel {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private streak = 0;
  private retryUntil = 0;
  private status: Omit<ReportKindStatus, 'intervalSecs'> = {
    state: 'pending',
    sent: 0,
    failed: 0,
    lastStatus: null,
    lastError: null,
    lastSuccessAt: null,
  };

  constructor(private readonly options: ChannelOptions) {}

  snapshot(): ReportKindStatus {
    return { ...this.status, intervalSecs: this.options.intervalMs / 1000 };
  }

  start(): void {
    this.running ??= this.loop().catch(() => undefined);
  }

  /**
   * Stops the schedule and aborts a request in flight. With `flush`, sends one last report
   * (bounded by the request time-out) unless this kind is disabled or inside a Retry-After wait,
   * so the control plane sees the final state. Never rejects.
   */
  async stop(flush: boolean): Promise<void> {
    this.abort.abort(new Error('reporter stopped'));
    await this.running;
    const started = this.running !== undefined;
    if (this.status.state === 'disabled') return;
    if (flush && started && this.options.now() >= this.retryUntil) {
      await this.attempt(new AbortController().signal).catch(() => undefined);
    }
    this.status = { ...this.status, state: 'stopped' };
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const started = this.options.now();
      try {
        await pRetry(() => this.attempt(signal), {
          retries: Number.POSITIVE_INFINITY,
          factor: 2,
          minTimeout: this.options.intervalMs,
          maxTimeout: Math.max(MAX_REPORT_BACKOFF_MS, this.options.intervalMs),
          randomize: true,
          unref: true,
          signal,
          onFailedAttempt: ({ error }) => this.waitRetryAfter(error, signal),
          // A Retry-After wait replaces the exponential step (and does not advance it).
          shouldConsumeRetry: ({ error }) =>
            !(error instanceof ReportFailure && error.retryAfterMs !== undefined),
        });
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ReportFailure && error.kind === 'auth') return this.disable(error);
      }
      const wait = Math.max(0, this.options.intervalMs - (this.options.now() - started));
      await sleep(wait, undefined, { signal, ref: false }).catch(() => undefined);
    }
  }

  private async attempt(signal: AbortSignal): Promise<void> {
    try {
      const status = await this.options.send(signal);
      this.succeed(status);
    } catch (error) {
      if (signal.aborted) throw new AbortError('stopped');
      const failure =
        error instanceof ReportFailure
          ? error
          : new ReportFailure(
              'rejected',
              error instanceof Error ? error.message : String(error),
              null,
            );
      this.fail(failure);
      if (failure.kind !== 'retryable') throw new AbortError(failure);
      throw failure;
    }
  }

  private succeed(status: number): void {
    if (this.streak > 0) {
      this.options.log(
        `${this.options.kind} reporting recovered after ${this.streak} failed attempt(s)`,
      );
    }
    this.streak = 0;
    this.status = {
      ...this.status,
      state: 'ok',
      sent: this.status.sent + 1,
      lastStatus: status,
      lastError: null,
      lastSuccessAt: new Date(this.options.now()).toISOString(),
    };
  }

  private fail(error: ReportFailure): void {
    const lastError = this.options.scrub(error.message);
    this.status = {
      ...this.status,
      state: error.kind === 'retryable' ? 'backing-off' : 'failing',
      failed: this.status.failed + 1,
      lastStatus: error.status,
      lastError,
    };
    if (this.streak++ > 0 || error.kind === 'auth') return;
    const next =
      error.kind === 'retryable'
        ? error.retryAfterMs !== undefined
          ? `waiting ${error.retryAfterMs / 1000} s (Retry-After)`
          : 'backing off'
        : 'will try again at the next interval';
    this.options.log(`${this.options.kind} report failed: ${lastError}; ${next}`);
  }

  private disable(error: ReportFailure): void {
    const hint = AUTH_HINT[error.status ?? 0] ?? '';
    this.options.log(
      `${this.options.kind} report rejected with HTTP ${error.status} (${hint}); ${this.options.kind} reports stopped`,
    );
    this.status = { ...this.status, state: 'disabled' };
  }

  private async waitRetryAfter(error: Error, signal: AbortSignal): Promise<void> {
    if (!(error instanceof ReportFailure) || error.retryAfterMs === undefined) return;
    this.retryUntil = this.options.now() + error.retryAfterMs;
    await sleep(error.retryAfterMs, undefined, { signal, ref: false });
  }
}
