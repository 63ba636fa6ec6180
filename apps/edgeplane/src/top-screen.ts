import { emitKeypressEvents } from 'node:readline';
import type { TopView } from '@edgeplane/app-kit';
import { createLogUpdate } from 'log-update';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';

/** How `edgeplane top` follows a lane: read it (true when something changed), every `intervalMs`. */
export interface TopLoop {
  readonly view: TopView;
  readonly read: () => Promise<boolean>;
  readonly intervalMs: number;
  readonly lanePath: string;
}

/** Colours only for a terminal that wants them (`NO_COLOR`, `TERM=dumb` turn them off). */
export function wantsColor(io: Io): boolean {
  return io.stdout.isTTY === true && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}

type Screen = NodeJS.WritableStream & { columns?: number; rows?: number; isTTY?: boolean };

/**
 * The terminal as log-update sees it: a pseudo-terminal nobody sized (`docker exec -t`, `script`
 * under CI) says 0 columns and 0 rows, for which log-update draws nothing; assume 80 × 24 then.
 */
function sized(out: Screen): Screen {
  return Object.assign(Object.create(out) as Screen, {
    write: (chunk: string) => out.write(chunk),
    get columns() {
      return out.columns || 80;
    },
    get rows() {
      return out.rows || 24;
    },
  });
}
type Keys = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * The terminal view: redraws the frame in place (log-update) every `intervalMs` and on resize,
 * keeps the last frame on screen when the run has ended, and returns when `q` (exit 0), Ctrl-C
 * (raw mode: the key, else SIGINT; exit 130) or SIGTERM (143) comes. The terminal is restored.
 * @throws what `loop.read` throws (a lane file that is not a snapshot), after restoring it.
 */
export function runTopScreen(io: Io, loop: TopLoop): Promise<number> {
  const out = io.stdout as Screen;
  const keys = io.stdin as Keys;
  const screen = sized(out);
  const draw = createLogUpdate(screen);
  const color = wantsColor(io);
  const every = `${loop.intervalMs >= 1000 ? `${loop.intervalMs / 1000} s` : `${loop.intervalMs} ms`}`;
  const render = (): void => {
    const footer = loop.view.ended
      ? `the run ended; q quits · lane ${loop.lanePath}`
      : `q quit · every ${every} · lane ${loop.lanePath}`;
    const size = { width: screen.columns ?? 80, height: screen.rows ?? 24 };
    draw(loop.view.frame({ ...size, color, now: Date.now(), footer }).join('\n'));
  };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      clearTimeout(timer);
      keys.off('keypress', onKey);
      out.off('resize', render);
      off();
      if (keys.isTTY) keys.setRawMode?.(false);
      keys.pause();
      draw.done();
    };
    const onKey = (_text: string, key: { name?: string; ctrl?: boolean } | undefined): void => {
      if (key?.name === 'q') {
        stop();
        resolve(EXIT.ok);
      } else if (key?.ctrl && key.name === 'c') {
        stop();
        resolve(EXIT.sigint);
      }
    };
    const off = io.onSignal((signal) => {
      stop();
      resolve(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    });
    const tick = async (): Promise<void> => {
      try {
        await loop.read();
        if (stopped) return;
        render();
        timer = setTimeout(tick, loop.intervalMs);
      } catch (error) {
        stop();
        reject(error);
      }
    };
    emitKeypressEvents(keys);
    if (keys.isTTY) keys.setRawMode?.(true);
    keys.on('keypress', onKey);
    keys.resume();
    out.on('resize', render);
    void tick();
  });
}

/**
 * Plain output (not a terminal): a frame each time the snapshot changes, a blank line between
 * frames, no escape codes; returns 0 once a final snapshot is printed, 130/143 on a signal.
 */
export async function runTopPlain(io: Io, loop: TopLoop, width: number): Promise<number> {
  let wake: (() => void) | undefined;
  let signalled: number | undefined;
  const off = io.onSignal((signal) => {
    signalled = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    wake?.();
  });
  try {
    let first = true;
    while (signalled === undefined) {
      if ((await loop.read()) || first) {
        const lines = loop.view.frame({ width, color: false, now: Date.now() });
        io.stdout.write(`${first ? '' : '\n'}${lines.join('\n')}\n`);
        first = false;
      }
      if (loop.view.ended) return EXIT.ok;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, loop.intervalMs);
      });
    }
    return signalled;
  } finally {
    off();
  }
}
