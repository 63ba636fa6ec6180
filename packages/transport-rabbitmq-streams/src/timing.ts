/**
 * Resolves after `ms` (at once when `signal` aborts). The timer does not keep the process alive
 * unless `keepAlive` (a reconnection pending while no socket is open must, or Node would exit).
 */
export function sleep(ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!keepAlive) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `promise`, or a rejection with `onTimeout()` after `ms`. */
export function deadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * A wake-up source: `fire()` wakes everyone waiting on it through `waitAny`. Waiters register
 * and unregister a listener, so a long-lived signal keeps nothing of waits that are over.
 */
export class Signal {
  private readonly listeners = new Set<() => void>();

  fire(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  /** @internal */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Resolves when any of `signals` fires, `abort` aborts, or `timeoutMs` passes; cleans up after. */
export function waitAny(
  signals: readonly Signal[],
  options: {
    readonly abort?: AbortSignal | undefined;
    readonly timeoutMs?: number | undefined;
  } = {},
): Promise<void> {
  const { abort, timeoutMs } = options;
  if (abort?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      for (const off of offs) off();
      clearTimeout(timer);
      abort?.removeEventListener('abort', done);
      resolve();
    };
    for (const s of signals) offs.push(s.listen(done));
    abort?.addEventListener('abort', done, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(done, Math.max(0, timeoutMs));
      timer.unref();
    }
  });
}
