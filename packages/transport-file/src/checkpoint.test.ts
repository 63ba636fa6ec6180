import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Checkpoint, readCheckpoint, SLOT_BYTES, tailAt } from './checkpoint.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { LineSplitter } from './lines.js';
import { type FileMessage, type FileRef, tailOf } from './message.js';
import { tempDir } from './test-helpers.js';

const at = (offset: number): Checkpoint => ({
  offset,
  dev: '1',
  ino: '2',
  size: offset,
  tail: 'ab',
  path: 'in.log',
});

async function written(writer: CheckpointWriter, checkpoint: Checkpoint): Promise<void> {
  writer.schedule(checkpoint);
  await writer.flush();
}

describe('checkpoint file', () => {
  it('the first write creates two slots; later writes alternate in place (same inode, same size)', async () => {
    const path = join(await tempDir(), 'sub', 'cp.offset');
    const writer = new CheckpointWriter(path);
    await written(writer, at(10));
    const first = await stat(path);
    expect(first.size).toBe(2 * SLOT_BYTES);
    expect(await readCheckpoint(path)).toEqual(at(10));
    for (const offset of [20, 30, 40]) {
      await written(writer, at(offset));
      expect(await readCheckpoint(path)).toEqual(at(offset));
    }
    const later = await stat(path);
    expect([later.ino, later.size]).toEqual([first.ino, 2 * SLOT_BYTES]);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    expect(lines.map((l) => JSON.parse(l.slice(9)).offset)).toEqual([40, 30]);
    await writer.close();
  });

  it('a torn slot (bad CRC) is skipped: the other, older checkpoint is read', async () => {
    const path = join(await tempDir(), 'cp.offset');
    const writer = new CheckpointWriter(path);
    await written(writer, at(10));
    await written(writer, at(20)); // seq 2, slot 0
    await writer.close();
    const handle = await open(path, 'r+');
    await handle.write(Buffer.from('9'), 0, 1, 30); // a byte inside slot 0's JSON changes
    await handle.close();
    expect(await readCheckpoint(path)).toEqual(at(10));
    await writeFile(path, ' '.repeat(100));
    await expect(readCheckpoint(path)).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('no slot holds a valid checkpoint'),
    });
  });

  it('reads the single-JSON format of earlier versions, and the writer replaces it', async () => {
    const path = join(await tempDir(), 'cp.offset');
    await writeFile(path, `${JSON.stringify({ v: 1, ...at(7) })}\n`);
    expect(await readCheckpoint(path)).toEqual(at(7));
    const writer = new CheckpointWriter(path);
    await written(writer, at(8));
    await writer.close();
    expect(await readCheckpoint(path)).toEqual(at(8));
    expect((await stat(path)).size).toBe(2 * SLOT_BYTES);
  });
});

describe('tailOf', () => {
  it('equals the bytes read back from the file (LF and CRLF, a line spanning chunks)', async () => {
    const dir = await tempDir();
    for (const eol of ['\n', '\r\n']) {
      const path = join(dir, 'in.log');
      const bytes = Buffer.from(
        `${Array.from({ length: 20 }, (_, i) => `line number ${i}${eol}`).join('')}no LF`,
      );
      await writeFile(path, bytes);
      const handle = await open(path, 'r');
      const file: FileRef = {
        path,
        base: 'in.log',
        dev: '1',
        ino: '2',
        seen: bytes.length,
        readAt: async (buffer, position) =>
          (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
      };
      const out: FileMessage[] = [];
      const splitter = new LineSplitter(file, 0, 1000, false);
      splitter.push(bytes.subarray(0, 150), 0, out); // a line spans the two chunks
      splitter.push(bytes.subarray(150), 150, out);
      splitter.takeTail(out);
      const known: number[] = [];
      for (const [i, m] of out.entries()) {
        const tail = tailOf(m);
        if (tail === undefined) continue;
        known.push(i);
        expect(tail).toBe(await tailAt(file.readAt, m.end));
      }
      await handle.close();
      expect(out).toHaveLength(21);
      // All but the spanning line (copied without its LF) and those ending within 64 bytes of
      // their chunk's start.
      const spanning = out.findIndex((m) => m.start < 150 && m.end > 150);
      expect(known).not.toContain(spanning);
      expect(known.length).toBeGreaterThanOrEqual(15);
    }
  });
});
