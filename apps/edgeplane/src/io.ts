import type { StageFactory } from '@edgeplane/adapter-loop';
import type { SignalHub } from './signals.js';

/** Where a command reads and writes: injectable so tests need no child process. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** argv as given, for incident bundles. */
  readonly argv: readonly string[];
  /** The Node.js version running the CLI (default `process.version`; tests set an old one). */
  readonly nodeVersion?: string | undefined;
  /**
   * Stage factories added to the CLI's own (`identity`, `http_post:`, `exec:`), by key: what a
   * program embedding `main()` registers, and how tests run a stage that changes messages.
   */
  readonly stages?: Readonly<Record<string, StageFactory>> | undefined;
  /** Installs a handler for SIGINT/SIGTERM; returns an uninstall function. */
  readonly onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
}

/**
 * The real process; signals come through `signals` (installed first thing by cli.ts). A closed standard output (`edgeplane ... | head`) ends the process quietly
 * instead of throwing EPIPE.
 */
export function nodeIo(signals: SignalHub): Io {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    argv: process.argv.slice(2),
    onSignal: (handler) => signals.subscribe(handler),
  };
}
