import { appendFile, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint.js';
import type { FileTransportOptions } from './options.js';
import { CHECKPOINT_FILE } from './source.js';
import { bodyOf, collect, sleep, tempDir, track } from './test-helpers.js';
import { createFileTransport } from './transport.js';

/** Receives everything, acknowledges the first `ack`, closes (which writes the checkpoint). */
async function consumeAndClose(options: FileTransportOptions, stateDir: string, ack: number) {
  const t = await source(options, stateDir);
  const result = await collect(t, { ack });
  await t.close();
  return result;
}

async function source(options: FileTransportOptions, stateDir?: string) {
  const t = track(createFileTransport(options));
  await t.open({ role: 'ingress', stateDir });
  return t;
}

describe('file source', () => {
  it('reads LF and CRLF lines, empty lines and an unterminated last line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'a\r\n\nb\nlast');
    const { messages } = await collect(await source({ path }));
    expect(messages.map(bodyOf)).toEqual(['a', '', 'b', 'last']);
    expect(messages.map((m) => [m.id, m.position])).toEqual([
      ['in.log@0', '3'],
      ['in.log@3', '4'],
      ['in.log@4', '6'],
      ['in.log@6', '10'],
    ]);
  });

  it('yields batches of at most batchMaxMessages (and the maxBatchMessages hint)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, Array.from({ length: 10 }, (_, i) => `${i}\n`).join(''));
    const { batches } = await collect(await source({ path, batchMaxMessages: 4 }));
    expect(batches.map((b) => b.messages.length)).toEqual([4, 4, 2]);
    const t = await source({ path });
    const hinted: number[] = [];
    for await (const b of t.receive({ signal: AbortSignal.timeout(2000), maxBatchMessages: 3 })) {
      hinted.push(b.messages.length);
    }
    expect(hinted).toEqual([3, 3, 3, 1]);
  });

  it('splits a chunk a batch at a time: a nack mid-chunk re-reads from its batch, diverted lines in between', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    const lines = Array.from({ length: 600 }, (_, i) => (i === 250 ? 'x'.repeat(40) : `l${i}`));
    await writeFile(path, `${lines.join('\n')}\n`);
    const t = await source(
      { path, batchMaxMessages: 7, maxLineBytes: 20, deadLetterPath: join(dir, 'dl') },
      dir,
    );
    const seen: string[] = [];
    let nacked = false;
    for await (const batch of t.receive({ signal: AbortSignal.timeout(5000) })) {
      expect(batch.messages.length).toBeLessThanOrEqual(7);
      if (!nacked && seen.length >= 21) {
        nacked = true; // the 4th batch, in the middle of the one read chunk
        await batch.nack();
        continue;
      }
      seen.push(...batch.messages.map(bodyOf));
      await batch.ack();
    }
    await t.close();
    expect(seen).toEqual(lines.filter((_, i) => i !== 250));
    expect(t.deadLettered).toBe(1);
    expect((await readCheckpoint(join(dir, CHECKPOINT_FILE)))?.offset).toBe(
      Buffer.byteLength(`${lines.join('\n')}\n`),
    );
  });

  it('resumes after a partial ack from the checkpoint in stateDir, written atomically', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'l0\nl1\nl2\nl3\nl4\n');
    await consumeAndClose({ path }, dir, 2);
    const checkpoint = await readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(checkpoint).toMatchObject({ offset: 6, size: 15, path });
    const again = await collect(await source({ path }, dir));
    expect(again.messages.map(bodyOf)).toEqual(['l2', 'l3', 'l4']);
    // checkpointPath wins over stateDir; without either, every start is at offset 0.
    const elsewhere = join(dir, 'sub', 'cp.json');
    await consumeAndClose({ path, checkpointPath: elsewhere }, dir, 4);
    expect((await readCheckpoint(elsewhere))?.offset).toBe(12);
    expect((await collect(await source({ path }))).messages).toHaveLength(5);
  });

  it('starts again at 0 when the checkpoint is of a rotated or truncated file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'old1\nold2\n');
    await consumeAndClose({ path }, dir, 2);
    await rename(path, `${path}.1`);
    await writeFile(path, 'new1\n');
    expect((await collect(await source({ path }, dir))).messages.map(bodyOf)).toEqual(['new1']);
    await consumeAndClose({ path }, dir, 1);
    await truncate(path, 0);
    await writeFile(path, 'n\n');
    expect((await collect(await source({ path }, dir))).messages.map(bodyOf)).toEqual(['n']);
  });

  it('starts again at 0 when the file was rewritten in place (same inode, as large or larger)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'day1 a\nday1 b\nday1 c\n');
    await consumeAndClose({ path }, dir, 2);
    const checkpoint = await readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(checkpoint?.tail).toBe(Buffer.from('day1 a\nday1 b\n').toString('hex'));
    // writeFile truncates and rewrites the same inode; bigger than before, so size alone passes
    await writeFile(path, 'day2 first\nday2 second\nday2 third\n');
    expect((await collect(await source({ path }, dir))).messages.map(bodyOf)).toEqual([
      'day2 first',
      'day2 second',
      'day2 third',
    ]);
    // the same file, only grown: resumes where it was (the fingerprint matches)
    await consumeAndClose({ path }, dir, 1);
    await appendFile(path, 'day2 fourth\n');
    expect((await collect(await source({ path }, dir))).messages.map(bodyOf)).toEqual([
      'day2 second',
      'day2 third',
      'day2 fourth',
    ]);
  });

  it('rejects a corrupt checkpoint with the fix', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'x\n');
    await writeFile(join(dir, CHECKPOINT_FILE), '{"offset":');
    const t = track(createFileTransport({ path }));
    const error = await t.open({ role: 'ingress', stateDir: dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-input', hint: expect.stringContaining('delete') });
    expect(String((error as Error).message)).toMatch(
      /^\[transport:file\] checkpoint .* is unreadable: /,
    );
  });

  it('diverts over-long lines to deadLetterPath, counts them, and checkpoints past them', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    const deadLetterPath = join(dir, 'dead', 'long.log');
    await writeFile(path, 'ok\r\nxxxxxxxxxx\r\nfine\nyyyyyyyyyyyy');
    const t = await source({ path, deadLetterPath, maxLineBytes: 5 }, dir);
    const { messages } = await collect(t, { ack: 2 });
    await t.close();
    expect(messages.map(bodyOf)).toEqual(['ok', 'fine']);
    expect(t.deadLettered).toBe(2);
    expect(await readFile(deadLetterPath, 'utf8')).toBe('xxxxxxxxxx\r\nyyyyyyyyyyyy\n');
    const checkpoint = await readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(checkpoint?.offset).toBe(33);
  });

  it('fails on an over-long line without deadLetterPath, after yielding the lines before it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'ok\nthis line is too long\n');
    const t = await source({ path, maxLineBytes: 8 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const b of t.receive({ signal: AbortSignal.timeout(2000) }))
        seen.push(...b.messages.map(bodyOf));
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['ok']);
    expect((error as Error).message).toBe(
      `[transport:file] line 2 (byte offset 3) of ${path} is longer than \`maxLineBytes\` (8 bytes): raise \`maxLineBytes\` or set \`deadLetterPath\` to divert over-long lines`,
    );
  });

  it('follows growth, holds an unterminated tail until its LF, and survives rotation and truncation', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, 'first\npart');
    const t = await source({ path, follow: true, pollMs: 10 }, dir);
    const seen: string[] = [];
    const controller = new AbortController();
    const running = (async () => {
      for await (const b of t.receive({ signal: controller.signal })) {
        seen.push(...b.messages.map(bodyOf));
        await b.ack();
      }
    })();
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await sleep(10);
      expect(seen.length).toBe(n);
    };
    await until(1);
    await sleep(100);
    expect(seen).toEqual(['first']); // the tail "part" is held back, not split
    await appendFile(path, 'ial\nsecond\n');
    await until(3);
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, 'late write to the old file\nold tail');
    await writeFile(path, 'rotated\n');
    await until(6);
    await truncate(path, 0);
    await writeFile(path, 'after truncation\n');
    await until(7);
    controller.abort();
    await running;
    await t.close();
    expect(seen).toEqual([
      'first',
      'partial',
      'second',
      'late write to the old file',
      'old tail',
      'rotated',
      'after truncation',
    ]);
    const checkpoint = await readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(checkpoint?.offset).toBe('after truncation\n'.length);
  });

  it('ends an idle follow within 1 s of abort', async () => {
    const dir = await tempDir();
    const path = join(dir, 'in.log');
    await writeFile(path, '');
    const t = await source({ path, follow: true, pollMs: 5000 });
    const controller = new AbortController();
    const running = (async () => {
      for await (const batch of t.receive({ signal: controller.signal }))
        expect(batch).toBeUndefined();
    })();
    await sleep(50);
    const aborted = performance.now();
    controller.abort();
    await running;
    expect(performance.now() - aborted).toBeLessThan(1000);
  });
});

describe('stdin source (path "-")', () => {
  it('reads an injected stream to its end, with no replay or redelivery declared', async () => {
    const stdin = Readable.from([
      Buffer.from('a\r\nb'),
      Buffer.from([0x62, 0xff, 0x0a]),
      Buffer.from('tail'),
    ]);
    const t = track(createFileTransport({ path: '-' }, { stdin }));
    expect(t.capabilities).toMatchObject({
      redelivery: false,
      replay: false,
      delivery: 'at-most-once',
    });
    await t.open({ role: 'ingress' });
    const { messages } = await collect(t);
    expect(messages.map(bodyOf)).toEqual(['a', 'bb\xff', 'tail']);
    expect(messages.map((m) => m.id)).toEqual(['stdin@0', 'stdin@3', 'stdin@7']);
  });

  it('a nack of a stdin batch mid-chunk does nothing: every later line still comes, whole', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const stdin = Readable.from([Buffer.from(`${lines.join('\n')}\n`)]);
    const t = track(createFileTransport({ path: '-', batchMaxMessages: 3 }, { stdin }));
    await t.open({ role: 'ingress' });
    const seen: string[] = [];
    for await (const batch of t.receive({ signal: AbortSignal.timeout(5000) })) {
      seen.push(...batch.messages.map(bodyOf));
      if (seen.length === 6) await batch.nack();
      else await batch.ack();
    }
    expect(seen).toEqual(lines);
  });

  it('stops an idle stdin within 1 s of abort, leaving the stream open', async () => {
    const stdin = new PassThrough();
    const t = track(createFileTransport({ path: '-' }, { stdin }));
    stdin.write('one\n');
    const controller = new AbortController();
    const seen: string[] = [];
    const running = (async () => {
      for await (const b of t.receive({ signal: controller.signal }))
        seen.push(...b.messages.map(bodyOf));
    })();
    await sleep(50);
    const aborted = performance.now();
    controller.abort();
    await running;
    expect(performance.now() - aborted).toBeLessThan(1000);
    expect(seen).toEqual(['one']);
    expect(stdin.destroyed).toBe(false);
  });

  it('carries a half-read line over to the next receive() (stdin cannot be re-read)', async () => {
    const stdin = new PassThrough();
    const t = track(createFileTransport({ path: '-' }, { stdin }));
    stdin.write('whole\npar');
    const first = await collect(t, { timeoutMs: 100 });
    expect(first.messages.map(bodyOf)).toEqual(['whole']);
    stdin.end('tial\n');
    const second = await collect(t);
    expect(second.messages.map(bodyOf)).toEqual(['partial']);
    expect(second.messages[0]?.id).toBe('stdin@6');
  });
});
