import { EdgeplaneError } from '@edgeplane/errors';
import type { CheckContext } from './types.js';

/** Time kept back from `timeoutMs` to close the probe's connections before `check()` resolves. */
const CLOSE_RESERVE_MS = 150;

/** How long after the budget `signal` aborts, in ms (less than `CLOSE_RESERVE_MS`). */
const SIGNAL_LAG_MS = 50;

/**
 * The time budget of one `check()` for a transport that keeps its own results (see `CheckRun` for
 * one that also keeps the skip bookkeeping) (`context.timeoutMs`, less a moment to close) and its signal:
 * `run()` races each probe against both, so `check()` resolves in time whatever the brokers do.
 */
export class CheckBudget {
  private readonly end: number;

  /** `component` names the transport in errors, e.g. `transport:kafka`. */
  constructor(
    private readonly context: CheckContext,
    private readonly component: string,
  ) {
    this.end = performance.now() + Math.max(50, context.timeoutMs - CLOSE_RESERVE_MS);
  }

  /**
   * Aborts when the budget runs out or doctor gives up: hand it to what opens sockets. It fires
   * `SIGNAL_LAG_MS` after `run()`'s own timeout, so a probe raced by `run()` fails with the
   * budget's `timeout` (naming what did not answer), not with the probe's "cancelled".
   */
  get signal(): AbortSignal {
    this.stop ??= AbortSignal.any([
      this.context.signal,
      AbortSignal.timeout(Math.max(1, this.leftMs + SIGNAL_LAG_MS)),
    ]);
    return this.stop;
  }

  private stop: AbortSignal | undefined;

  /** ms left for probes (0 once spent). */
  get leftMs(): number {
    return Math.max(0, Math.round(this.end - performance.now()));
  }

  /**
   * `promise`, or a rejection when the budget runs out (`timeout`) or doctor gives up
   * (`cancelled`) first. `what` completes "cannot ...": `connect to the brokers`.
   */
  run<T>(promise: Promise<T>, what: string): Promise<T> {
    promise.catch(() => {});
    const { signal, timeoutMs } = this.context;
    if (signal.aborted) return Promise.reject(cancelled(this.component, what));
    return new Promise<T>((resolve, reject) => {
      const stop = (error: EdgeplaneError) => {
        done();
        reject(error);
      };
      const onAbort = () => stop(cancelled(this.component, what));
      const timer = setTimeout(
        () =>
          stop(
            new EdgeplaneError(
              'timeout',
              this.component,
              `cannot ${what}: no answer within doctor's budget of ${timeoutMs} ms`,
              {
                hint: 'check that the endpoint is up and answering, or give doctor more time (`--timeout-ms`)',
              },
            ),
          ),
        this.leftMs,
      );
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /** Waits for `promise` (a close) until the whole budget is spent; never rejects. */
  async settle(promise: Promise<unknown>): Promise<void> {
    promise.catch(() => {});
    const left = Math.max(10, this.leftMs + CLOSE_RESERVE_MS - 20);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      promise.catch(() => {}),
      new Promise((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }
}

function cancelled(component: string, what: string): EdgeplaneError {
  return new EdgeplaneError('cancelled', component, `cannot ${what}: doctor was interrupted`);
}
