/** The signals a verb can be stopped by, and the exit code each ends the process with. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

const EXIT_FOR: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * SIGINT/SIGTERM for the whole process, installed before anything else is loaded: a signal
 * nobody handles (while the CLI starts, or during a verb that does not stop gracefully) prints one
 * line and exits 130/143 at once; while `run` has a handler subscribed, the signal goes to it (the
 * loop drains or stops opening); once the verb has finished, a signal during the exit only ends
 * the process with the verb's own exit code.
 */
export interface SignalHub {
  /** Delivers signals to `handler` until the returned function is called. */
  subscribe(handler: (signal: StopSignal) => void): () => void;
  /** The verb has finished with `code`: a later signal exits with it, quietly. */
  finished(code: number): void;
}

export function installSignalHub(
  write: (line: string) => void = (line) => process.stderr.write(line),
  exit: (code: number) => void = (code) => process.exit(code),
  target: Pick<NodeJS.EventEmitter, 'on'> = process,
): SignalHub {
  const handlers = new Set<(signal: StopSignal) => void>();
  let done: number | undefined;
  const on = (signal: StopSignal): void => {
    if (done !== undefined) {
      exit(done);
    } else if (handlers.size === 0) {
      write(`edgeplane: stopped by ${signal}; no loop was running, nothing was moved\n`);
      exit(EXIT_FOR[signal]);
    } else for (const handler of handlers) handler(signal);
  };
  target.on('SIGINT', () => on('SIGINT'));
  target.on('SIGTERM', () => on('SIGTERM'));
  return {
    subscribe(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    finished(code) {
      done = code;
    },
  };
}
