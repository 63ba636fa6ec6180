import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badPosition, foreignCheckpoint } from './errors.js';

/**
 * A point in the ordered objects under the prefix: object `key`, decoded byte `offset` (bytes of
 * the object before it are done). Written `<key>@<offset>` as a message position.
 */
export interface Cursor {
  readonly key: string;
  readonly offset: number;
}

/** `<key>@<offset>`: the position after a message (resume with `receive({ from })`). */
export function formatPosition(cursor: Cursor): string {
  return `${cursor.key}@${cursor.offset}`;
}

/** @throws EdgeplaneError `invalid-input` when `text` is not `<key>@<offset>`. */
export function parsePosition(text: string): Cursor {
  const at = text.lastIndexOf('@');
  const digits = at >= 0 ? text.slice(at + 1) : '';
  if (at <= 0 || !/^(0|[1-9][0-9]{0,15})$/.test(digits)) throw badPosition(text);
  return { key: text.slice(0, at), offset: Number(digits) };
}

/** Order of cursors: by key (UTF-8 byte order, as S3 lists), then offset. */
export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.key !== b.key) return Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
  return a.offset - b.offset;
}

/** The checkpoint file of a source in its lane directory. */
export const CHECKPOINT_FILE = 's3-checkpoint';

/** Bytes of one slot: room for the bucket, a 1024-byte prefix and key, JSON-escaped. */
const SLOT = 16_384;

/** One slot of the checkpoint file. */
export interface Saved {
  readonly n: number;
  readonly bucket: string;
  readonly prefix: string;
  readonly key: string;
  readonly offset: number;
}

function parseSlot(bytes: Buffer): Saved | undefined {
  try {
    const saved = JSON.parse(bytes.toString('utf8').trim()) as Saved;
    return typeof saved.n === 'number' && typeof saved.key === 'string' ? saved : undefined;
  } catch {
    return undefined; // empty, or torn by a power loss: the other slot holds the one before
  }
}

/**
 * Reads the checkpoint in `dir` (the newest valid of its two slots).
 * @returns `{ n, bucket, prefix, key, offset }` (`n`: the write counter), or undefined when
 *   there is none.
 */
export async function readCheckpointFile(dir: string): Promise<Saved | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, CHECKPOINT_FILE));
  } catch {
    return undefined;
  }
  const slots = [parseSlot(bytes.subarray(0, SLOT)), parseSlot(bytes.subarray(SLOT, 2 * SLOT))];
  return slots.reduce<Saved | undefined>((a, b) => (b && (!a || b.n > a.n) ? b : a), undefined);
}

/**
 * The source's checkpoint: the position after the last acknowledged message, kept in
 * `<stateDir>/s3-checkpoint`: two fixed 16 KiB slots written in turn in place (one `pwrite` and
 * one `fdatasync` per acknowledgement, no rename), each with a counter; reading takes the newest
 * slot that parses, so a write torn by a power loss falls back to the checkpoint before it
 * (redelivery, never loss). Writes are serialised, coalesced and never go backwards.
 */
export class Checkpoint {
  current: Cursor | undefined;
  private written: Cursor | undefined;
  private chain: Promise<void> = Promise.resolve();
  private handle: FileHandle | undefined;
  private n = 0;

  constructor(
    readonly stateDir: string | undefined,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** @throws EdgeplaneError `invalid-config` when the file belongs to another bucket or prefix. */
  async load(): Promise<Cursor | undefined> {
    if (!this.stateDir) return undefined;
    const saved = await readCheckpointFile(this.stateDir);
    if (!saved) return undefined;
    if (saved.bucket !== this.bucket || saved.prefix !== this.prefix)
      throw foreignCheckpoint(
        join(this.stateDir, CHECKPOINT_FILE),
        `bucket "${saved.bucket}" prefix "${saved.prefix}"`,
      );
    this.current = { key: saved.key, offset: saved.offset };
    return this.current;
  }

  /** Moves the checkpoint forward to `cursor` (a cursor behind it is ignored); resolves when on disk. */
  advance(cursor: Cursor): Promise<void> {
    if (this.current && compareCursors(cursor, this.current) <= 0) return this.chain;
    this.current = cursor;
    const dir = this.stateDir;
    if (!dir) return Promise.resolve();
    this.chain = this.chain.then(async () => {
      // Each step writes the latest checkpoint (covering this one); a step with nothing new skips.
      const latest = this.current;
      if (!latest || latest === this.written) return;
      this.written = latest;
      if (!this.handle) {
        await mkdir(dir, { recursive: true });
        const file = join(dir, CHECKPOINT_FILE);
        const before = await readCheckpointFile(dir).catch(() => undefined);
        this.handle = await open(file, before ? 'r+' : 'w+');
        // The counter goes on from the file's: the newest slot must stay the newest.
        this.n = Math.max(Date.now(), before?.n ?? 0);
      }
      const n = ++this.n;
      const slot = Buffer.alloc(SLOT, 0x20);
      slot[SLOT - 1] = 0x0a;
      slot.write(JSON.stringify({ n, bucket: this.bucket, prefix: this.prefix, ...latest }));
      await this.handle.write(slot, 0, SLOT, (n % 2) * SLOT);
      await this.handle.datasync();
    });
    return this.chain;
  }

  /** Closes the file (after the writes under way). Never rejects. */
  async close(): Promise<void> {
    await this.chain.catch(() => {});
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }
}
