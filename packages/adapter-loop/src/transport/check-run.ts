import { EdgeplaneError } from '@edgeplane/errors';
import { checkResult, checkSkipped } from './check.js';
import type { CheckContext, TransportCheck } from './types.js';

/**
 * The bookkeeping of one `check()`: its time budget (`timeoutMs`, less a margin to close the
 * connection; or doctor's signal), the results so far, and the checks not reached, reported as
 * `skip` naming the first failure.
 */
export class CheckRun {
  /** Aborts when the budget is spent or doctor gives up. */
  readonly signal: AbortSignal;
  private readonly results: TransportCheck[] = [];
  private readonly endsAt: number;

  /** `component` names the transport in errors, e.g. `transport:nats`. */
  constructor(
    private readonly context: CheckContext,
    private readonly component: string,
  ) {
    const margin = Math.min(250, Math.floor(context.timeoutMs / 10));
    this.endsAt = performance.now() + context.timeoutMs;
    this.signal = AbortSignal.any([
      context.signal,
      AbortSignal.timeout(Math.max(1, context.timeoutMs - margin)),
    ]);
  }

  /** The error of a probe cut short by the budget (`timeout`) or by doctor (`cancelled`). */
  stopped(what: string): EdgeplaneError {
    if (this.context.signal.aborted)
      return new EdgeplaneError('cancelled', this.component, `${what}: cancelled`);
    return new EdgeplaneError(
      'timeout',
      this.component,
      `${what}: no answer within the check's ${this.context.timeoutMs} ms`,
      { hint: "raise doctor's `--timeout-ms`, or look at the server's load and the network" },
    );
  }

  /** `probe`, or the `stopped()` error once the budget is spent. */
  race<T>(probe: Promise<T>, what: string): Promise<T> {
    probe.catch(() => undefined);
    if (this.signal.aborted) return Promise.reject(this.stopped(what));
    let onAbort = (): void => {};
    const stop = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.stopped(what));
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([probe, stop]).finally(() =>
      this.signal.removeEventListener('abort', onAbort),
    );
  }

  /** Runs `close`, waiting at most until `timeoutMs` (it goes on in the background after that). */
  async close(close: () => Promise<unknown>): Promise<void> {
    const left = Math.max(0, this.endsAt - performance.now() - 5);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      close().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }

  add(check: TransportCheck): void {
    this.results.push(check);
  }

  has(name: string): boolean {
    return this.results.some((c) => c.name === name);
  }

  /** The first failed check, if any. */
  get failed(): string | undefined {
    return this.results.find((c) => c.status === 'fail')?.name;
  }

  /**
   * The results in `order`, with a `skip` for each of `expected` that has none (it depends on a
   * check that failed).
   */
  finish(order: readonly string[], expected: readonly string[]): TransportCheck[] {
    const reason = this.failed ? `\`${this.failed}\` failed` : 'an earlier check did not complete';
    for (const name of expected) if (!this.has(name)) this.add(checkSkipped(name, reason));
    const rank = (c: TransportCheck) => {
      const i = order.indexOf(c.name);
      return i < 0 ? order.length : i;
    };
    return [...this.results].sort((a, b) => rank(a) - rank(b));
  }
}

/** A server version against the tested range: `[from, to)`, and the oldest that works, if known. */
export interface VersionRange {
  /** `nats-server`, `Redis`, `PostgreSQL`. */
  readonly product: string;
  /** Oldest version tested (inclusive), e.g. `2.9`. */
  readonly from: string;
  /** First version above the tested range (exclusive), e.g. `2.10`. */
  readonly to: string;
  /** The tested range as printed, e.g. `2.9.x`. */
  readonly label: string;
  /** Oldest version the transport works with; older fails. */
  readonly min?: string | undefined;
  /** Where the tested versions are listed. */
  readonly docs: string;
}

const parts = (v: string): number[] => v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);

/** Compares dotted versions (`2.9.10` vs `2.10`): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The `server-version` check: ok inside the range, warn outside it, fail below `min`. */
export function versionCheck(
  version: string,
  range: VersionRange,
  startedAt?: number,
): TransportCheck {
  const found = `${range.product} ${version}`;
  const tested = `tested: ${range.label}`;
  if (range.min !== undefined && compareVersions(version, range.min) < 0)
    return checkResult(
      'server-version',
      'fail',
      `${found} is older than ${range.min}, the oldest this transport works with (${tested})`,
      { fix: `upgrade the server to ${range.from} or newer`, startedAt },
    );
  if (compareVersions(version, range.from) < 0 || compareVersions(version, range.to) >= 0)
    return checkResult(
      'server-version',
      'warn',
      `${found} is outside the tested range (${tested})`,
      {
        fix: `expected to work, but not tested here: see "Server versions tested" in ${range.docs}`,
        startedAt,
      },
    );
  return checkResult('server-version', 'ok', `${found} (${tested})`, { startedAt });
}

/** An `ok` result whose detail names the time since `startedAt`: `detail(ms)`. */
export function timedOk(
  name: string,
  startedAt: number,
  detail: (ms: number) => string,
): TransportCheck {
  const c = checkResult(name, 'ok', '', { startedAt });
  return { ...c, detail: detail(c.durationMs ?? 0) };
}
