import type { OutboundMessage, RejectedMessage } from '@edgeplane/adapter-loop/transport';
import { unframeable } from './errors.js';
import { FileMessage } from './message.js';

const LF = 0x0a;
const CR = 0x0d;

const lengthOf = (m: OutboundMessage): number => m.bodyLength ?? m.body.byteLength;

/** A framed batch: the bytes to write, and the messages left out because they cannot be framed. */
export interface FramedBatch {
  readonly bytes: Buffer;
  readonly rejected: RejectedMessage[];
}

/**
 * Frames a batch as ONE buffer (in `scratch` when it is big enough): each body followed by LF.
 * Runs of unchanged, LF-terminated lines from this package's source that sit back to back in one
 * read chunk are copied in one piece, terminators included (they need no check: the source split
 * them on LF). Other bodies are copied one by one and checked: a body that contains LF or ends
 * with CR cannot be framed (it would read back as other lines); it is left out and listed in
 * `rejected` (`invalid-input`), and the rest of the batch is framed (a poison message fails alone).
 */
export function frameBatch(batch: readonly OutboundMessage[], scratch?: Buffer): FramedBatch {
  const rejected: RejectedMessage[] = [];
  const n = batch.length;
  let size = n;
  for (let i = 0; i < n; i++) size += lengthOf(batch[i] as OutboundMessage);
  const out =
    scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  let at = 0;
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
      at += chunk.copy(out, at, from, to);
      i = j;
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
  return { bytes: at === size ? out : out.subarray(0, at), rejected };
}
