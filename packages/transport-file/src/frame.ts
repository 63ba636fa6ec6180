import type { OutboundMessage, RejectedMessage } from '@edgeplane/adapter-loop/transport';
import { unframeable } from './errors.js';
import { FileMessage } from './message.js';

const LF = 0x0a;
const CR = 0x0d;

const lengthOf = (m: OutboundMessage): number => m.bodyLength ?? m.body.byteLength;

/** Runs of a read chunk at least this long are written from the chunk itself, not copied. */
export const MIN_VIEW_BYTES: number = 16 * 1024;

/**
 * A framed batch: the bytes to write, in order (views into read chunks and pieces of the frame
 * buffer), their total, the frame buffer used, and the messages left out because they cannot be
 * framed.
 */
export interface FramedBatch {
  readonly parts: Buffer[];
  readonly bytes: number;
  /** The buffer the copied pieces live in (`scratch` when it was big enough). */
  readonly buffer: Buffer;
  readonly rejected: RejectedMessage[];
}

/**
 * Frames a batch: each body followed by LF. Runs of unchanged, LF-terminated lines from this
 * package's source that sit back to back in one read chunk are taken in one piece, terminators
 * included (they need no check: the source split them on LF); a run of `MIN_VIEW_BYTES` or more
 * is not even copied (a view into the chunk goes to the write), a shorter one is copied into the
 * frame buffer (`scratch` when it is big enough). Other lines of the source (CRLF) are copied
 * one by one, unchecked (split on LF, their trailing CRs stripped). Other bodies are copied one
 * by one and checked: a body that contains LF or ends with CR cannot be framed (it would read back as other
 * lines); it is left out and listed in `rejected` (`invalid-input`), and the rest of the batch is
 * framed (a poison message fails alone).
 */
export function frameBatch(batch: readonly OutboundMessage[], scratch?: Buffer): FramedBatch {
  const rejected: RejectedMessage[] = [];
  const n = batch.length;
  let size = n;
  for (let i = 0; i < n; i++) size += lengthOf(batch[i] as OutboundMessage);
  const out = scratch && scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  const parts: Buffer[] = [];
  let at = 0;
  let mark = 0;
  let viewed = 0;
  let i = 0;
  while (i < n) {
    const m = batch[i] as OutboundMessage;
    if (m instanceof FileMessage && m.lfTerminated) {
      const chunk = m.chunk;
      const from = m.bodyStart;
      let to = from + m.bodyLength + 1;
      let j = i + 1;
      for (; j < n; j++) {
        const next = batch[j];
        if (
          !(next instanceof FileMessage) ||
          next.chunk !== chunk ||
          next.bodyStart !== to ||
          !next.lfTerminated
        )
          break;
        to += next.bodyLength + 1;
      }
      if (to - from >= MIN_VIEW_BYTES) {
        if (at > mark) parts.push(out.subarray(mark, at));
        mark = at;
        parts.push(chunk.subarray(from, to));
        viewed += to - from;
      } else {
        at += chunk.copy(out, at, from, to);
      }
      i = j;
      continue;
    }
    if (m instanceof FileMessage) {
      // A line of this package's source (CRLF, or at a chunk's edge): split on LF, its trailing
      // CRs stripped, so it frames as it is, unchecked.
      at += m.chunk.copy(out, at, m.bodyStart, m.bodyStart + m.bodyLength);
      out[at++] = LF;
      i++;
      continue;
    }
    const body = m.body;
    const lf = body.indexOf(LF);
    if (lf !== -1) rejected.push({ index: i, error: unframeable(i, `contains LF at byte ${lf}`) });
    else if (body.byteLength > 0 && body[body.byteLength - 1] === CR)
      rejected.push({ index: i, error: unframeable(i, 'ends with CR') });
    else {
      out.set(body, at);
      at += body.byteLength;
      out[at++] = LF;
    }
    i++;
  }
  if (at > mark) parts.push(out.subarray(mark, at));
  return { parts, bytes: at + viewed, buffer: out, rejected };
}
