import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CAPTURE_DIR, CAPTURE_FILES, redactText } from '@edgeplane/adapter-loop';
import { eachLine } from './capture-read.js';

/** Default cap on the capture copied into an incident bundle: 32 MiB of capture lines. */
export const BUNDLE_CAPTURE_MAX_BYTES: number = 32 * 1024 * 1024;

/** What `copyCapture` copied: files (relative to the bundle), messages kept and cut. */
export interface CaptureCopy {
  readonly files: readonly string[];
  readonly kept: number;
  /** Older messages left out to stay within the cap. */
  readonly cut: number;
}

/** A JSON line with secrets redacted inside its strings (a secret cannot break the JSON). */
const redactLine = (line: string, secrets: readonly string[]): string =>
  secrets.length === 0
    ? line
    : JSON.stringify(JSON.parse(line), (_k, v: unknown) =>
        typeof v === 'string' ? redactText(v, secrets) : v,
      );

const seqOf = (line: string): number => Number(/"seq":(\d+)/.exec(line)?.[1] ?? -1);

/** Lines of a file, keeping only the newest whose sizes sum to at most `maxBytes`. */
async function newestLines(
  path: string,
  maxBytes: number,
): Promise<{ lines: string[]; total: number }> {
  const lines: string[] = [];
  let head = 0;
  let bytes = 0;
  let total = 0;
  await eachLine(path, (line) => {
    total++;
    lines.push(line);
    bytes += line.length + 1;
    while (bytes > maxBytes && head < lines.length) bytes -= (lines[head++] as string).length + 1;
    if (head > 4096 && head > lines.length / 2) {
      lines.splice(0, head);
      head = 0;
    }
  });
  return { lines: lines.slice(head), total };
}

/**
 * Copies a lane's capture (`<lanePath>/capture/`) into `<out>/capture/`: the newest messages
 * whose ingress and egress lines fit in `maxBytes` together (older ones are cut, and
 * `capture.json` says how many under `bundle`), with `secrets` redacted inside every string.
 * Returns null when the lane holds no capture. Memory stays within about twice `maxBytes`.
 */
export async function copyCapture(input: {
  readonly lanePath: string;
  readonly out: string;
  readonly secrets: readonly string[];
  readonly maxBytes?: number | undefined;
}): Promise<CaptureCopy | null> {
  const from = join(input.lanePath, CAPTURE_DIR);
  if (!Object.values(CAPTURE_FILES).every((f) => existsSync(join(from, f)))) return null;
  const maxBytes = input.maxBytes ?? BUNDLE_CAPTURE_MAX_BYTES;
  const egress = await newestLines(join(from, CAPTURE_FILES.egress), maxBytes);
  const ingress = await newestLines(join(from, CAPTURE_FILES.ingress), maxBytes);
  const outcome = new Map(egress.lines.map((l) => [seqOf(l), l]));
  const keptIn: string[] = [];
  const keptOut: string[] = [];
  let bytes = 0;
  for (let i = ingress.lines.length - 1; i >= 0; i--) {
    const line = redactLine(ingress.lines[i] as string, input.secrets);
    const raw = outcome.get(seqOf(line));
    const out = raw === undefined ? undefined : redactLine(raw, input.secrets);
    bytes += line.length + 1 + (out === undefined ? 0 : out.length + 1);
    if (bytes > maxBytes) break;
    keptIn.push(line);
    if (out !== undefined) keptOut.push(out);
  }
  const meta = JSON.parse(await readFile(join(from, CAPTURE_FILES.meta), 'utf8'));
  const cut = ingress.total - keptIn.length;
  const to = join(input.out, CAPTURE_DIR);
  await mkdir(to, { recursive: true });
  const text = (lines: string[]) =>
    lines
      .reverse()
      .map((l) => `${l}\n`)
      .join('');
  await writeFile(join(to, CAPTURE_FILES.ingress), text(keptIn));
  await writeFile(join(to, CAPTURE_FILES.egress), text(keptOut));
  const bundle = { max_bytes: maxBytes, kept: keptIn.length, cut };
  await writeFile(
    join(to, CAPTURE_FILES.meta),
    `${JSON.stringify({ ...meta, bundle }, (_k, v: unknown) => (typeof v === 'string' ? redactText(v, input.secrets) : v), 2)}\n`,
  );
  const files = Object.values(CAPTURE_FILES).map((f) => `${CAPTURE_DIR}/${f}`);
  return { files, kept: keptIn.length, cut };
}
