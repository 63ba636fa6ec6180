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
      const out: FileMessage[] = [];
      let next: 'read' | 'end' | 'reopen' | 'restart' = 'read';
      if (chunk === 'truncated') {
        splitter.takeTail(out);
        next = 'restart';
      } else if (chunk) {
        splitter.push(chunk, reader.position - chunk.length, out);
      } else if (!follow || !(reader instanceof FileReader)) {
        splitter.takeTail(out);
        next = 'end';
      } else {
        // Following: wait, then look for rotation or truncation before reading again (checking
        // after the wait leaves no window for a truncate-and-rewrite to go unnoticed).
        if (!rotating) await sleep(pollMs, stop);
        if (stop.aborted) return;
        const change = await reader.change();
        if (change === 'same' || change === 'missing') {
          rotating = false;
          continue;
        }
        if (change === 'rotated' && !rotating) {
          rotating = true; // read the old file to its end once more before leaving it
          continue;
        }
        splitter.takeTail(out);
        next = change === 'rotated' ? 'reopen' : 'restart';
      }
      await source.flushDeadLetters(splitter);
      source.deadLettered += splitter.deadLettered;
      splitter.deadLettered = 0;
      for (let i = 0; i < out.length && !stop.aborted && !cursor.rewind; i += max) {
        const messages = out.length <= max ? out : out.slice(i, i + max);
        const lastEnd = (messages[messages.length - 1] as FileMessage).end;
        const end = i + max >= out.length ? Math.max(lastEnd, splitter.consumed) : lastEnd;
        cursor.last = new FileBatch(messages, end, source, cursor);
        yield cursor.last;
      }
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
