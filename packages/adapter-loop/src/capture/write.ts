import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CAPTURE_DIR, CAPTURE_FILES, type CaptureMeta } from './records.js';

/** Writes `text` to `path` atomically: a temp file beside it, then a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/**
 * Writes a capture into `<lanePath>/capture/` (`CAPTURE_FILES`; `ingress` and `egress` are
 * NDJSON text), each file atomically (temp file + rename), in the order egress, ingress, summary.
 */
export async function writeCaptureFiles(
  lanePath: string,
  records: { readonly meta: CaptureMeta; readonly ingress: string; readonly egress: string },
): Promise<void> {
  const dir = join(lanePath, CAPTURE_DIR);
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, CAPTURE_FILES.egress), records.egress);
  await writeAtomic(join(dir, CAPTURE_FILES.ingress), records.ingress);
  await writeAtomic(join(dir, CAPTURE_FILES.meta), `${JSON.stringify(records.meta, null, 2)}\n`);
}
