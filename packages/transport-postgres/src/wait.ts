/**
 * Resolves `promise`'s value, or `undefined` once `signal` aborts or `stop` resolves (the late
 * result is ignored; a late rejection is swallowed).
 */
export async function race<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  stop: Promise<void>,
): Promise<T | undefined> {
  promise.catch(() => {});
  if (signal.aborted) return undefined;
  let onAbort = (): void => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted, stop.then(() => undefined)]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Sleeps `ms`, ending early when `signal` aborts, `stop` resolves or `wake()` is called. */
export function pause(
  ms: number,
  signal: AbortSignal,
  stop: Promise<void>,
  wakers?: Set<() => void>,
): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      wakers?.delete(finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    wakers?.add(finish);
    void stop.then(finish);
  });
}

/** The reader's backoff while the server is unreachable: 50 ms doubling to `reconnectMaxDelayMs`. */
export class Backoff {
  private delay = 0;
  constructor(private readonly max: number) {}
  next(): number {
    this.delay = Math.min(this.max, this.delay === 0 ? 50 : this.delay * 2);
    return this.delay * (0.8 + Math.random() * 0.4);
  }
  reset(): void {
    this.delay = 0;
  }
}
