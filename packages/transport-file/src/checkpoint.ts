import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { badCheckpoint, fileError } from './errors.js';

/** Bytes before the checkpoint's offset kept as its fingerprint (`tail`). */
export const CHECKPOINT_TAIL_BYTES = 64;

/**
 * What the source remembers: the acknowledged offset in one file, identified by device and inode,
 * how many bytes that file had then (`size`), so that a rotated or truncated file is detected,
 * and the bytes just before the offset (`tail`), so that a file rewritten in place (same inode,
 * as large or larger: `cp new.log app.log`, an editor's save) is not resumed mid-way.
 */
export interface Checkpoint {
  readonly offset: number;
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
  /** Hex of the up to `CHECKPOINT_TAIL_BYTES` bytes before `offset`; absent in older checkpoints. */
  readonly tail?: string | undefined;
  /** For humans reading the file; not compared. */
  readonly path: string;
}

/** The current state of a file, to compare a checkpoint with. */
export interface FileState {
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
}

/**
 * Whether reading may resume at the checkpoint: it is of this file (same device and inode) and
 * the file has not shrunk below what was seen. Otherwise the file was rotated or truncated.
 */
export function isResumable(checkpoint: Checkpoint | undefined, file: FileState): boolean {
  if (!checkpoint) return false;
  const same = checkpoint.dev === file.dev && checkpoint.ino === file.ino;
  return same && file.size >= checkpoint.size;
}

/**
 * The fingerprint of `file` at `offset`: hex of the bytes just before it, or undefined when they
 * cannot be read (the file was closed, or `readAt` is absent).
 */
export async function tailAt(
  readAt: ((buffer: Buffer, position: number) => Promise<number>) | undefined,
  offset: number,
): Promise<string | undefined> {
  if (!readAt) return undefined;
  const length = Math.min(CHECKPOINT_TAIL_BYTES, offset);
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  try {
    const n = await readAt(buffer, offset - length);
    return n === length ? buffer.toString('hex') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes of one slot of a checkpoint file. The file holds two slots (written alternately, in
 * place; see checkpoint-writer.ts), each one line: `<crc32 of the JSON, 8 hex> <JSON>`, padded
 * with spaces to `SLOT_BYTES - 1`, then LF.
 */
export const SLOT_BYTES = 4096;

/** One slot's bytes for `checkpoint` with sequence `seq` (`path` left out if it would not fit). */
export function encodeSlot(checkpoint: Checkpoint, seq: number): Buffer {
  let json = JSON.stringify({ v: 2, seq, ...checkpoint });
  if (Buffer.byteLength(json) > SLOT_BYTES - 10)
    json = JSON.stringify({ v: 2, seq, ...checkpoint, path: '' });
  const slot = Buffer.alloc(SLOT_BYTES, 0x20);
  slot.write(`${crc32(json).toString(16).padStart(8, '0')} ${json}`, 0, 'utf8');
  slot[SLOT_BYTES - 1] = 0x0a;
  return slot;
}

/** Reads a checkpoint; `undefined` if there is none. Throws `invalid-input` if it is unreadable. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw fileError(error, 'read checkpoint', path, 'source');
  }
  // One JSON document: the format before slots (v 1), still read.
  if (text.trimStart().startsWith('{')) return parseRecord(path, text);
  let best: { seq: number; checkpoint: Checkpoint } | undefined;
  for (const line of text.split('\n')) {
    // A slot torn by a crash mid-write fails its CRC and is skipped: the other one is older.
    const m = /^([0-9a-f]{8}) (\{.*\})\s*$/.exec(line);
    if (!m || Number.parseInt(m[1] as string, 16) !== crc32(m[2] as string)) continue;
    const seq = (JSON.parse(m[2] as string) as { seq?: unknown }).seq;
    if (!Number.isSafeInteger(seq)) continue;
    if (!best || (seq as number) > best.seq)
      best = { seq: seq as number, checkpoint: parseRecord(path, m[2] as string) };
  }
  if (!best) throw badCheckpoint(path, 'no slot holds a valid checkpoint');
  return best.checkpoint;
}

function parseRecord(path: string, text: string): Checkpoint {
  let value: Partial<Record<keyof Checkpoint, unknown>>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badCheckpoint(path, (error as Error).message);
  }
  const { offset, dev, ino, size, tail } = value;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(size) ||
    typeof dev !== 'string' ||
    typeof ino !== 'string' ||
    (tail !== undefined && (typeof tail !== 'string' || !/^([0-9a-f]{2})*$/.test(tail)))
  ) {
    throw badCheckpoint(path, 'expected {"offset", "dev", "ino", "size"}');
  }
  return {
    offset: offset as number,
    size: size as number,
    dev,
    ino,
    ...(typeof tail === 'string' ? { tail } : {}),
    path: String(value.path ?? ''),
  };
}
