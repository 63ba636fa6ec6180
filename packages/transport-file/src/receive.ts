import type { InboundBatch, ReceiveOptions } from '@edgeplane/adapter-loop/transport';
import { type Cursor, FileBatch } from './batch.js';
import { LineSplitter } from './lines.js';
import type { FileMessage } from './message.js';
import { FileReader } from './reader.js';
import type { FileSource } from './source.js';
import type { StreamReader } from './stream-reader.js';

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * At end of file while following: waits `pollMs` (unless draining a rotated file), then checks
 * for rotation or truncation. Checking after the wait leaves no window for a truncate-and-rewrite
 * to go unnoticed. `drain`: rotated, read the old file to its end once more before leaving it.
 */
async function followAtEnd(
  reader: FileReader,
  rotating: boolean,
  pollMs: number,
  stop: AbortSignal,
): Promise<'read' | 'drain' | 'reopen' | 'restart'> {
  if (!rotating) await sleep(pollMs, stop);
  if (stop.aborted) return 'read';
  const change = await reader.change();
  if (change === 'same' || change === 'missing') return 'read';
  if (change === 'truncated') return 'restart';
  return rotating ? 'reopen' : 'drain';
}

/** Whether a nack asks `reader` to go back (it can: a file, the one the batch came from). */
function rewinds(cursor: Cursor, reader: FileReader | StreamReader): boolean {
  return reader instanceof FileReader && cursor.rewind?.file === reader.file;
}

/** Appends the diverted lines to the dead-letter file and counts them (before their batch goes). */
async function settle(source: FileSource, splitter: LineSplitter): Promise<void> {
  await source.flushDeadLetters(splitter);
  source.deadLettered += splitter.deadLettered;
  splitter.deadLettered = 0;
}

/**
 * Yields `out` as batches of at most `max`, stopping early on abort or a nack. The last batch's
 * full ack also covers over-long lines diverted after its last message (`consumed`).
 */
function* cut(
  out: FileMessage[],
  max: number,
  consumed: number,
  source: FileSource,
  cursor: Cursor,
  stop: AbortSignal,
): Generator<FileBatch> {
  for (let i = 0; i < out.length && !stop.aborted && !cursor.rewind; i += max) {
    const messages = out.length <= max ? out : out.slice(i, i + max);
    const lastEnd = (messages[messages.length - 1] as FileMessage).end;
    const end = i + max >= out.length ? Math.max(lastEnd, consumed) : lastEnd;
    cursor.last = new FileBatch(messages, end, source, cursor);
    yield cursor.last;
  }
}

/**
 * One `receive()` iteration: reads chunks, splits lines, yields batches of at most
 * `batchMaxMessages`. Without `follow` it ends at end of file (the unterminated tail is the last
 * message); with `follow` it polls for growth, and on rotation (new inode) or truncation it reads
 * the old file to its end, emits its tail, and goes on from offset 0 of the new content. An
 * unterminated tail is held back while following, so a line is never split in two.
 */
export async function* receiveBatches(
  source: FileSource,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const stop = AbortSignal.any([options.signal, source.closing.signal]);
  if (stop.aborted) return;
  const { batchMaxMessages, maxLineBytes, deadLetterPath, follow, pollMs, path } = source.options;
  const max = Math.max(1, Math.min(batchMaxMessages, options.maxBatchMessages ?? batchMaxMessages));
  await source.open();
  let reader: FileReader | StreamReader = await source.reader(options.from);
  source.active.add(reader);
  const cursor: Cursor = { rewind: undefined, last: undefined };
  const split = () =>
    new LineSplitter(reader.file, reader.position, maxLineBytes, deadLetterPath !== undefined);
  let splitter: LineSplitter;
  if (reader instanceof FileReader) {
    splitter = split();
  } else {
    // stdin cannot be re-read: a line it was in the middle of carries over to the next receive().
    source.stdinSplitter ??= split();
    splitter = source.stdinSplitter;
  }
  let rotating = false;
  try {
    while (!stop.aborted) {
      const rewind = cursor.rewind;
      cursor.rewind = undefined;
      if (rewind && reader instanceof FileReader && rewind.file === reader.file) {
        reader.seek(rewind.offset);
        splitter = split();
        if (rewind.delayMs > 0) await sleep(rewind.delayMs, stop);
        continue;
      }
      const chunk = await reader.read(stop);
      if (stop.aborted) return;
      let out: FileMessage[] = [];
      let next: 'read' | 'end' | 'reopen' | 'restart' = 'read';
      if (chunk === 'truncated') {
        splitter.takeTail(out);
        next = 'restart';
      } else if (chunk) {
        // A batch at a time: each step stays short (I/O completions, such as the sink's, do not
        // wait behind the splitting of a whole chunk), and fewer messages are alive at once.
        const base = reader.position - chunk.length;
        let at = splitter.push(chunk, base, out, 0, max);
        while (at < chunk.length) {
          await settle(source, splitter);
          yield* cut(out, max, splitter.consumed, source, cursor, stop);
          if (stop.aborted) return;
          if (rewinds(cursor, reader)) break; // the rest of the chunk is read again
          // A nack that cannot rewind (stdin, or a batch of a file since rotated) does nothing.
          cursor.rewind = undefined;
          out = [];
          at = splitter.push(chunk, base, out, at, max);
        }
        if (at < chunk.length) continue;
      } else if (!follow || !(reader instanceof FileReader)) {
        splitter.takeTail(out);
        next = 'end';
      } else {
        const change = await followAtEnd(reader, rotating, pollMs, stop);
        if (stop.aborted) return;
        rotating = change === 'drain';
        if (change === 'read' || change === 'drain') continue;
        splitter.takeTail(out);
        next = change;
      }
      await settle(source, splitter);
      yield* cut(out, max, splitter.consumed, source, cursor, stop);
      if (out.length === 0 && cursor.last?.messages[0]?.file === reader.file) {
        await cursor.last.extendTo(splitter.consumed);
      }
      if (splitter.failure) throw splitter.failure;
      if (cursor.rewind) continue;
      if (next === 'end') return;
      if (next === 'restart' && reader instanceof FileReader) reader.restart();
      if (next === 'reopen') {
        const fresh = await FileReader.open(path, source.options.readChunkBytes).catch(
          () => undefined,
        );
        if (!fresh) {
          // The new file vanished again, or cannot be opened yet: keep polling.
          await sleep(pollMs, stop);
          continue;
        }
        source.active.delete(reader);
        await reader.close();
        reader = fresh;
        source.active.add(reader);
      }
      if (next !== 'read') {
        splitter = split();
        rotating = false;
      }
    }
  } finally {
    source.active.delete(reader);
    if (reader instanceof FileReader) await reader.close();
  }
}
