import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The sink's sequence file in its lane directory: the next sequence not yet reserved. */
export const SEQUENCE_FILE = 's3-sink.seq';

/** Sequences reserved per write of the file. */
const BLOCK = 1000n;
const WIDTH = 20;

/**
 * The sink's batch sequence (`{seq}` in the key template): increasing within a run and across
 * runs, so keys sort in the order batches were written. It starts at `max(the lane's file,
 * the wall clock in µs)` and is reserved in blocks in `<stateDir>/s3-sink.seq` BEFORE any
 * object is written with it: after a crash a new run never reuses a sequence, so it never
 * overwrites an object of an earlier run. Without a state dir the clock alone orders runs.
 */
export class SequenceStore {
  private nextSeq: bigint | undefined;
  private reservedUpTo = 0n;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(public stateDir: string | undefined) {}

  /** The next sequence, as 20 zero-padded digits. */
  next(): Promise<string> {
    const step = this.chain.then(async () => {
      if (this.nextSeq === undefined) {
        const clock = BigInt(Date.now()) * 1000n;
        const saved = await this.load();
        this.nextSeq = saved !== undefined && saved > clock ? saved : clock;
        this.reservedUpTo = this.nextSeq;
      }
      const seq = this.nextSeq;
      if (seq >= this.reservedUpTo) await this.reserve(seq + BLOCK);
      this.nextSeq = seq + 1n;
      return seq.toString().padStart(WIDTH, '0');
    });
    this.chain = step.catch(() => {});
    return step;
  }

  private async load(): Promise<bigint | undefined> {
    if (!this.stateDir) return undefined;
    try {
      const text = (await readFile(join(this.stateDir, SEQUENCE_FILE), 'utf8')).trim();
      return /^[0-9]{1,30}$/.test(text) ? BigInt(text) : undefined;
    } catch {
      return undefined;
    }
  }

  private async reserve(upTo: bigint): Promise<void> {
    this.reservedUpTo = upTo;
    if (!this.stateDir) return;
    await mkdir(this.stateDir, { recursive: true });
    const file = join(this.stateDir, SEQUENCE_FILE);
    await writeFile(`${file}.tmp`, upTo.toString());
    await rename(`${file}.tmp`, file);
  }
}
