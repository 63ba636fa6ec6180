import cliProgress from 'cli-progress';
import type { Io } from './io.js';

/**
 * Shows progress (messages, rate, ETA when bounded) on standard error when it is a terminal;
 * does nothing otherwise. `read()` gives the current message count. Returns a stop function.
 */
export function startProgress(io: Io, read: () => number, total: number | undefined): () => void {
  if (!io.stderr.isTTY) return () => {};
  const format = total
    ? 'moving  [{bar}] {value}/{total} messages | {rate} msg/s | ETA {eta_formatted}'
    : 'moving  {value} messages | {rate} msg/s';
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(total ?? 0, 0, { rate: 0 });
  const timer = setInterval(() => {
    const value = read();
    const secs = (Date.now() - t0) / 1000;
    bar.update(value, { rate: secs > 0 ? Math.round(value / secs) : 0 });
  }, 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    bar.stop();
  };
}
