import type { LoopResult } from '@edgeplane/adapter-loop';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import type { StopSignal } from '../signals.js';

/** Exit code of a run stopped by `signal`. */
export const exitForSignal = (signal: StopSignal): number =>
  signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;

/**
 * SIGINT/SIGTERM for `run`, subscribed before anything else: a signal before the loop runs is
 * remembered (`signalled`; the handler checks it between start-up steps and leaves with
 * `beforeStart()`), one after `attach(loop)` stops the loop (a drain, or no more opening).
 */
export interface RunSignals {
  /** The first signal received, if any. */
  readonly signalled: StopSignal | undefined;
  /** From now on a signal stops `loop`. */
  attach(loop: { stop(): void }): void;
  /** Prints why and returns the exit code of a run stopped before its loop started. */
  beforeStart(): number;
  uninstall(): void;
}

export function runSignals(io: Io): RunSignals {
  let signalled: StopSignal | undefined;
  let loop: { stop(): void } | undefined;
  const uninstall = io.onSignal((signal) => {
    signalled ??= signal;
    loop?.stop();
  });
  return {
    get signalled(): StopSignal | undefined {
      return signalled;
    },
    attach(l: { stop(): void }): void {
      loop = l;
    },
    beforeStart(): number {
      const s = signalled ?? 'SIGTERM';
      io.stderr.write(`stopped by ${s} before the loop started; nothing was moved\n`);
      return exitForSignal(s);
    },
    uninstall(): void {
      uninstall();
    },
  };
}

/**
 * True when the run ended because of the signal while the transports were still opening (the
 * loop ends `stopped` with `stoppedDuring: 'open'`): nothing was moved, exit 130/143.
 */
export function stoppedWhileOpening(result: LoopResult, signal: StopSignal | undefined): boolean {
  return signal !== undefined && result.reason === 'stopped' && result.stoppedDuring === 'open';
}
