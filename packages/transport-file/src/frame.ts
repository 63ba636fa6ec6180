import type { EdgeplaneError, OutboundMessage } from '@edgeplane/adapter-loop/transport';
import { unframeable } from './errors.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Frames a batch as ONE buffer: each body followed by LF. A body that contains LF or ends with CR
 * cannot be framed (it would read back as other lines), so the whole batch is refused. Copying
 * first and then checking that the only LFs are the separators (one `indexOf` per line, over
 * the output) is faster than checking each body before copying it.
 */
export function frameBatch(batch: readonly OutboundMessage[]): Buffer | EdgeplaneError {
  const n = batch.length;
  let size = n;
  for (let i = 0; i < n; i++) size += (batch[i] as OutboundMessage).body.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const body = (batch[i] as OutboundMessage).body;
    out.set(body, at);
    at += body.byteLength;
    if (body.byteLength > 0 && out[at - 1] === CR) return unframeable(i, 'ends with CR');
    out[at++] = LF;
  }
  at = 0;
  for (let i = 0; i < n; i++) {
    const end = at + (batch[i] as OutboundMessage).body.byteLength;
    const lf = out.indexOf(LF, at);
    if (lf !== end) return unframeable(i, `contains LF at byte ${lf - at}`);
    at = end + 1;
  }
  return out;
}
