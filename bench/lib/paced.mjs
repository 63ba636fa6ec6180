// A paced (open-loop) producer and the stamp it puts in each body, for latency.mjs and soak.mjs.
//
// Message i is due at t0 + i / rate. Every tick the producer hands `send` all messages now due,
// each stamped with its SCHEDULED time, not the time it was actually written: when the producer
// or the system under test falls behind, the delay counts in every later message's latency
// (no coordinated omission), and the offered rate stays fixed (sends catch up in larger groups).
import { setTimeout as sleep } from 'node:timers/promises';

/** Wall-clock time in ms with sub-ms resolution, comparable across worker threads. */
export const epochMs = () => performance.timeOrigin + performance.now();

const AT_DIGITS = 16; // µs since the epoch
const SEQ_DIGITS = 10;
/** Smallest body a stamp fits in, bytes. */
export const STAMP_BYTES = AT_DIGITS + 1 + SEQ_DIGITS + 1;

/**
 * A body of `bytes` bytes (at least STAMP_BYTES): `<scheduled µs> <seq> xxx…`, Latin-1, no
 * line break (it is one line in a file too).
 * @param {number} seq  message number, 0-based
 * @param {number} atMs scheduled time, ms since the epoch
 * @param {number} bytes
 */
export function stampBody(seq, atMs, bytes) {
  const b = Buffer.alloc(Math.max(bytes, STAMP_BYTES), 'x');
  b.write(
    `${String(Math.round(atMs * 1000)).padStart(AT_DIGITS, '0')} ${String(seq).padStart(SEQ_DIGITS, '0')} `,
    0,
    'latin1',
  );
  return b;
}

function digits(body, from, to) {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (body[i] - 48);
  return n;
}

/** The scheduled time of a stamped body, ms since the epoch. */
export const stampedAt = (body) => digits(body, 0, AT_DIGITS) / 1000;
/** The message number of a stamped body. */
export const stampedSeq = (body) => digits(body, AT_DIGITS + 1, AT_DIGITS + 1 + SEQ_DIGITS);

/**
 * Offers `count` messages at `rate` messages/s. `send(from, to, atOf)` is called with the
 * messages now due ([from, to), `atOf(i)` their scheduled ms) and awaited before the next tick.
 * Resolves `{ sent, seconds, behindMaxMs }`: how far behind its schedule a send started, at most.
 * @param {{ rate: number, count: number, send: (from: number, to: number, atOf: (i: number) => number) => unknown, signal?: AbortSignal }} o
 */
export async function pace({ rate, count, send, signal }) {
  const interval = 1000 / rate;
  const t0 = epochMs() + 20;
  const atOf = (i) => t0 + i * interval;
  let next = 0;
  let behindMaxMs = 0;
  while (next < count && !signal?.aborted) {
    const now = epochMs();
    const due = Math.min(count, Math.floor((now - t0) / interval) + 1);
    if (due > next) {
      behindMaxMs = Math.max(behindMaxMs, now - atOf(next));
      await send(next, due, atOf);
      next = due;
    } else {
      await sleep(Math.min(1, atOf(next) - now));
    }
  }
  return { sent: next, seconds: (epochMs() - t0) / 1000, behindMaxMs };
}
