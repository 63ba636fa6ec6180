import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CAPTURE_DIR,
  CAPTURE_FILES,
  type CapturedEgress,
  type CapturedIngress,
  type CaptureMeta,
} from './records.js';

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

const ndjson = (records: readonly unknown[]): string =>
  records.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * Writes capture records into `<lanePath>/capture/` (`CAPTURE_FILES`), each file atomically
 * (temp file + rename), in the order egress, ingress, summary.
 */
export async function writeCaptureFiles(
  lanePath: string,
  records: {
    readonly meta: CaptureMeta;
    readonly ingress: readonly CapturedIngress[];
    readonly egress: readonly CapturedEgress[];
  },
): Promise<void> {
  const dir = join(lanePath, CAPTURE_DIR);
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, CAPTURE_FILES.egress), ndjson(records.egress));
  await writeAtomic(join(dir, CAPTURE_FILES.ingress), ndjson(records.ingress));
  await writeAtomic(join(dir, CAPTURE_FILES.meta), `${JSON.stringify(records.meta, null, 2)}\n`);
}
