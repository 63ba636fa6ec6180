import { mkdir, open, readFile, rename } from 'node:fs/promises';
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
export const CHECKPOINT_FILE = 's3-checkpoint.json';

interface CheckpointFile {
  readonly bucket: string;
  readonly prefix: string;
  readonly key: string;
  readonly offset: number;
}

/**
 * The source's checkpoint: the position after the last acknowledged message, kept in
 * `<stateDir>/s3-checkpoint.json` (written to a temporary file, fsynced, renamed). Writes are
 * serialised and never go backwards.
 */
export class Checkpoint {
  current: Cursor | undefined;
  private written: Cursor | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly stateDir: string | undefined,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** @throws EdgeplaneError `invalid-config` when the file belongs to another bucket or prefix. */
  async load(): Promise<Cursor | undefined> {
    if (!this.stateDir) return undefined;
    const file = join(this.stateDir, CHECKPOINT_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    const saved = JSON.parse(text) as CheckpointFile;
    if (saved.bucket !== this.bucket || saved.prefix !== this.prefix)
      throw foreignCheckpoint(file, `bucket "${saved.bucket}" prefix "${saved.prefix}"`);
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
      const body = JSON.stringify({ bucket: this.bucket, prefix: this.prefix, ...latest });
      await mkdir(dir, { recursive: true });
      const file = join(dir, CHECKPOINT_FILE);
      const tmp = `${file}.tmp`;
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(body);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    });
    return this.chain;
  }
}
