import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CAPTURE_DIR,
  CAPTURE_FILES,
  type CapturedEgress,
  type CapturedIngress,
  type CaptureMeta,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';

/** A capture as read back: its summary, the ingress messages in order, outcomes by sequence. */
export interface CaptureSet {
  readonly meta: CaptureMeta;
  readonly ingress: readonly CapturedIngress[];
  readonly egress: ReadonlyMap<number, CapturedEgress>;
}

/** Calls `line` with each non-empty line of a file and its 1-based number, streaming. */
export async function eachLine(
  path: string,
  line: (text: string, n: number) => void,
): Promise<void> {
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.length > 0) line(text, n);
  }
}

const bad = (shown: string, detail: string, hint: string): EdgeplaneError =>
  new EdgeplaneError('invalid-input', 'app-kit', `${shown}: ${detail}`, { hint });

/** Parses one capture record; a line that is not a JSON object with a numeric `seq` is an error. */
function record<T extends { seq: number }>(text: string, shown: string, n: number): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(
      `${shown}:${n}`,
      'not a JSON line',
      'the capture files are written by the loop; take them from a new bundle',
    );
  }
  if (typeof value !== 'object' || value === null || !Number.isSafeInteger((value as T).seq))
    throw bad(
      `${shown}:${n}`,
      'a capture record needs an integer "seq"',
      'take the capture files from a new bundle',
    );
  return value as T;
}

/**
 * Reads a capture directory (`<lane path>/capture`, or `capture/` of an incident bundle).
 * `shown` names it in errors.
 * @throws EdgeplaneError `invalid-input` naming the missing or malformed file and the fix.
 */
export async function readCapture(dir: string, shown: string): Promise<CaptureSet> {
  const fix =
    "capture is off by default: set loop.captureMessages=N (e.g. 1000) in the adapter config, run again, then write the bundle with `edgeplane incident-bundle --lane-path=<the run's lane path>`";
  if (!existsSync(dir)) throw bad(shown, 'no such directory: this holds no capture', fix);
  for (const name of Object.values(CAPTURE_FILES)) {
    if (!existsSync(join(dir, name))) throw bad(`${shown}/${name}`, 'no such file', fix);
  }
  let meta: CaptureMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, CAPTURE_FILES.meta), 'utf8')) as CaptureMeta;
  } catch {
    throw bad(
      `${shown}/${CAPTURE_FILES.meta}`,
      'not valid JSON',
      'take the capture from a new bundle',
    );
  }
  const ingress: CapturedIngress[] = [];
  const egress = new Map<number, CapturedEgress>();
  const shownIn = `${shown}/${CAPTURE_FILES.ingress}`;
  const shownOut = `${shown}/${CAPTURE_FILES.egress}`;
  await eachLine(join(dir, CAPTURE_FILES.ingress), (t, n) => ingress.push(record(t, shownIn, n)));
  await eachLine(join(dir, CAPTURE_FILES.egress), (t, n) => {
    const r = record<CapturedEgress>(t, shownOut, n);
    egress.set(r.seq, r);
  });
  return { meta, ingress, egress };
}

/** The capture directory inside a lane path or a bundle. */
export const captureDirOf = (root: string): string => join(root, CAPTURE_DIR);
