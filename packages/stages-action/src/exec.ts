import { type ChildProcess, spawn } from 'node:child_process';
import { isSecretKey, type StageFactoryContext, type StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import type { ActionSettings } from './env.js';
import { EXEC_COMPONENT, spawnError } from './errors.js';
import { ActionTally, rejectSettings, where } from './shared.js';
import type { ActionStage, ActionStageOptions } from './types.js';

/** Default `stages.<id>.timeout` of an exec batch, seconds. */
export const DEFAULT_EXEC_TIMEOUT_SECS = 30;
const PREFIX = 'exec:';
const NEWLINE = Buffer.from('\n');
const STDERR_TAIL = 400;

/** Splits `exec:<program>|<arg>|...` into the program and its arguments. */
export function parseExecKey(key: string): {
  readonly program: string;
  readonly args: readonly string[];
} {
  const [program = '', ...args] = key.slice(PREFIX.length).split('|');
  return { program, args };
}

function execOptions(context: StageFactoryContext): { timeoutMs: number; newline: boolean } {
  rejectSettings(context, EXEC_COMPONENT, ['timeout', 'framing']);
  const { timeout, framing = 'newline' } = context.settings;
  const secs = timeout === undefined ? DEFAULT_EXEC_TIMEOUT_SECS : Number(timeout);
  if (!(secs > 0 && secs <= 3600)) {
    throw new EdgeplaneError(
      'invalid-config',
      EXEC_COMPONENT,
      `\`stages.${context.id}.timeout\` must be seconds between 0 and 3600, got ${JSON.stringify(timeout)} ${where(context)}`,
    );
  }
  if (framing !== 'newline' && framing !== 'raw') {
    throw new EdgeplaneError(
      'invalid-config',
      EXEC_COMPONENT,
      `\`stages.${context.id}.framing\` must be "newline" or "raw", got ${JSON.stringify(framing)} ${where(context)}`,
    );
  }
  return { timeoutMs: Math.round(secs * 1000), newline: framing === 'newline' };
}

/** The child's environment: ours, minus variables whose names look secret (API keys, tokens...). */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !isSecretKey(name)));
}

/** SIGKILLs the child's process group (it leads one: `detached`), or the child alone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * `exec:<program>|<arg>|...` (ActionGraph): forwards its input unchanged and writes the messages to
 * a child process's stdin. Off unless the exact program string is in `BYTEOR_EXEC_ALLOWLIST`
 * (`permission-denied` at resolve time). One child per batch: it is spawned with the arguments
 * (no shell), gets the batch's bodies on stdin (each followed by `\n` unless
 * `stages.<id>.framing=raw`), stdin is closed, and the batch counts as delivered only when the
 * child exits 0 within `stages.<id>.timeout` seconds (default 30). Any other end (spawn failure,
 * non-zero exit, signal, time-out) throws an `EdgeplaneError` and the loop stops unacknowledged.
 */
export function createExecStage(
  context: StageFactoryContext,
  settings: ActionSettings,
  options: ActionStageOptions = {},
): ActionStage {
  const { program, args } = parseExecKey(context.key);
  if (!program) {
    throw new EdgeplaneError(
      'invalid-config',
      EXEC_COMPONENT,
      `missing program in "${context.key}" ${where(context)}`,
      { hint: 'write the stage as exec:/path/to/program|arg|...' },
    );
  }
  if (!settings.execAllowlist.includes(program)) {
    throw new EdgeplaneError(
      'permission-denied',
      EXEC_COMPONENT,
      `program ${JSON.stringify(program)} is not in BYTEOR_EXEC_ALLOWLIST ${where(context)}; exec is off unless the exact program string is listed`,
      {
        details: { stage: context.key, variable: 'BYTEOR_EXEC_ALLOWLIST' },
        hint: `add ${program} to BYTEOR_EXEC_ALLOWLIST (comma-separated exact program strings)`,
      },
    );
  }
  const { timeoutMs, newline } = execOptions(context);
  const running = new Set<ChildProcess>();
  const tally = new ActionTally(context, 'exec', options);
  const fail = (code: 'unavailable' | 'timeout' | 'cancelled', what: string, stderr: string) => {
    const tail = stderr.trim().slice(-STDERR_TAIL);
    return new EdgeplaneError(
      code,
      EXEC_COMPONENT,
      `${JSON.stringify(program)} ${what} ${where(context)}${tail ? `: ${tail}` : ''}`,
      { details: { stage: context.key } },
    );
  };

  const runBatch = (messages: readonly StageMessage[], signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(fail('cancelled', 'not started: the loop stopped', ''));
      // Own process group, so a kill also reaches grandchildren (`sh -c 'sleep 9'`) that would
      // otherwise keep the pipes open.
      const child = spawn(program, args, {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: childEnv(),
        detached: true,
      });
      running.add(child);
      let stderr = '';
      let ended: 'timeout' | 'cancelled' | undefined;
      const kill = (why: 'timeout' | 'cancelled') => {
        ended ??= why;
        killGroup(child);
      };
      const timer = setTimeout(() => kill('timeout'), timeoutMs);
      const onAbort = () => kill('cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (error?: EdgeplaneError) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        running.delete(child);
        if (error) reject(error);
        else resolve();
      };
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4 * STDERR_TAIL);
      });
      child.stdin?.on('error', () => undefined); // EPIPE when the child exits early: its exit status tells
      child.once('error', (cause) => settle(spawnError(cause, program)));
      // Once killed, do not wait for pipes a stray descendant may still hold.
      child.once('exit', () => {
        if (ended) child.emit('close', null, 'SIGKILL');
      });
      child.once('close', (code, sig) => {
        if (ended === 'timeout')
          return settle(
            fail('timeout', `did not finish within ${timeoutMs / 1000} s and was killed`, stderr),
          );
        if (ended === 'cancelled')
          return settle(fail('cancelled', 'was killed: the loop stopped', stderr));
        if (code === 0) return settle();
        settle(
          fail(
            'unavailable',
            code === null ? `was killed by ${sig}` : `exited with code ${code}`,
            stderr,
          ),
        );
      });
      for (const m of messages) {
        child.stdin?.write(m.body);
        if (newline) child.stdin?.write(NEWLINE);
      }
      child.stdin?.end();
    });

  return tally.stage(runBatch, async () => {
    for (const child of running) killGroup(child);
  });
}
