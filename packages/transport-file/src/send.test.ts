import { constants, readlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frameBatch } from './frame.js';
import { LineSplitter } from './lines.js';
import type { FileMessage } from './message.js';
import type { FileTransportOptions } from './options.js';
import { sleep, tempDir, track } from './test-helpers.js';
import { createFileTransport } from './transport.js';

const text = (s: string) => ({ body: Buffer.from(s) });

/** The prototype of fs.promises FileHandle (not exported by Node), to spy on its methods. */
async function fileHandlePrototype(dir: string): Promise<{ datasync(): Promise<void> }> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle);
}

/** O_DSYNC bit of the flags this process opened `path` with (Linux /proc), or 0. */
async function openFlagsOf(path: string): Promise<number> {
  for (const fd of await readdir('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
    const flags = Number.parseInt(/flags:\s+([0-7]+)/.exec(info)?.[1] ?? '0', 8);
    return flags & constants.O_DSYNC;
  }
  throw new Error(`${path} is not open`);
}

async function sink(options: FileTransportOptions) {
  const t = track(createFileTransport(options));
  await t.open({ role: 'egress' });
  return t;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('file sink', () => {
  it('frames a batch as one buffer, one LF after each body, bytes unchanged', () => {
    const framed = frameBatch([
      text('a'),
      { body: new Uint8Array([0xff, 0x00, 0x0d, 0x41]) },
      text(''),
    ]);
    expect(framed.parts).toHaveLength(1);
    expect(framed.parts[0]).toEqual(Buffer.from([0x61, 0x0a, 0xff, 0x00, 0x0d, 0x41, 0x0a, 0x0a]));
    expect(framed.bytes).toBe(8);
    expect(framed.rejected).toEqual([]);
  });

  it("writes long runs of the source's lines straight from the read chunk (no copy), with writev", async () => {
    const dir = await tempDir();
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'x'.repeat(90)}\n`;
    const chunk = Buffer.from(Array.from({ length: 400 }, (_, i) => line(i)).join(''));
    const file = { path: 'in.log', base: 'in.log', dev: '1', ino: '2', seen: chunk.length };
    const lines: FileMessage[] = [];
    new LineSplitter(file, 0, 1000, false).push(chunk, 0, lines);
    // lines 0..199 (a 20,000-byte run: a view), one body of another kind, lines 201..209 (copied)
    const batch = [...lines.slice(0, 200), text('other'), ...lines.slice(201, 210)];
    const framed = frameBatch(batch);
    expect(framed.parts).toHaveLength(2);
    expect(framed.parts[0]?.buffer).toBe(chunk.buffer); // the view
    expect(framed.parts[1]?.buffer).not.toBe(chunk.buffer);
    const expected = `${lines
      .slice(0, 200)
      .map((_, i) => line(i))
      .join('')}other\n${Array.from({ length: 9 }, (_, i) => line(201 + i)).join('')}`;
    expect(Buffer.concat(framed.parts).toString()).toBe(expected);
    // a short writev goes on with the rest
    const path = join(dir, 'out.log');
    const t = await sink({ path, append: false });
    const proto = (await fileHandlePrototype(dir)) as unknown as {
      writev(buffers: Buffer[], position?: number): Promise<{ bytesWritten: number }>;
    };
    const realWritev = proto.writev;
    const writev = vi.spyOn(proto, 'writev').mockImplementationOnce(function (
      this: unknown,
      buffers: Buffer[],
      position?: number,
    ) {
      return realWritev.call(this, [(buffers[0] as Buffer).subarray(0, 12_345)], position);
    });
    expect(await t.send(batch)).toEqual({ status: 'ok' });
    expect(writev).toHaveBeenCalledTimes(2);
    expect(await readFile(path, 'utf8')).toBe(expected);
  });

  it("frames the source's CRLF lines (and an unterminated CR tail) as LF lines", () => {
    const chunk = Buffer.from('a\r\nbb\r\r\n\r\nlast\r');
    const file = { path: 'in.log', base: 'in.log', dev: '1', ino: '2', seen: chunk.length };
    const lines: FileMessage[] = [];
    const splitter = new LineSplitter(file, 0, 1000, false);
    splitter.push(chunk, 0, lines);
    splitter.takeTail(lines);
    const framed = frameBatch(lines);
    expect(Buffer.concat(framed.parts).toString()).toBe('a\nbb\n\nlast\n');
    expect(framed.rejected).toEqual([]);
  });

  it('append=false: a write after an undone one leaves no hole (explicit offsets)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.log');
    const t = await sink({ path, append: false, fsync: 'never' });
    await t.send([text('first')]);
    const proto = (await fileHandlePrototype(dir)) as unknown as {
      write(...args: unknown[]): Promise<{ bytesWritten: number }>;
    };
    const realWrite = proto.write;
    vi.spyOn(proto, 'write')
      .mockImplementationOnce(function (
        this: unknown,
        buffer: unknown,
        offset: unknown,
        _l: unknown,
        position: unknown,
      ) {
        return realWrite.call(this, buffer, offset, 2, position);
      })
      .mockRejectedValueOnce(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    expect((await t.send([text('second')])).status).toBe('retryable');
    expect(await t.send([text('third')])).toEqual({ status: 'ok' });
    expect(await readFile(path, 'utf8')).toBe('first\nthird\n');
  });

  it('appends batches with one write each, creating missing directories', async () => {
    const dir = await tempDir();
    const path = join(dir, 'deep', 'er', 'out.log');
    const t = await sink({ path });
    expect(await t.send([text('one'), { body: new Uint8Array([0xc3, 0x28]) }])).toEqual({
      status: 'ok',
    });
    expect(await t.send([text('three')])).toEqual({ status: 'ok' });
    expect(await readFile(path)).toEqual(Buffer.from('one\n\xc3\x28\nthree\n', 'latin1'));
  });

  it('appends by default and truncates at open with append=false', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.log');
    await writeFile(path, 'kept\n');
    await (await sink({ path })).send([text('added')]);
    expect(await readFile(path, 'utf8')).toBe('kept\nadded\n');
    await (await sink({ path, append: false })).send([text('fresh')]);
    expect(await readFile(path, 'utf8')).toBe('fresh\n');
  });

  it('refuses a body line framing cannot carry on its own, naming it, and writes the rest', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.log');
    const t = await sink({ path });
    const result = await t.send([text('fine'), text('two\nlines'), text('after')]);
    expect(result.status).toBe('partial');
    if (result.status !== 'partial') return;
    expect(result.rejected.map((r) => [r.index, r.error.code, r.error.message])).toEqual([
      [
        1,
        'invalid-input',
        '[transport:file] message 1 of the batch contains LF at byte 3: a line-framed file cannot carry it',
      ],
    ]);
    const cr = await t.send([text('ends with cr\r')]);
    expect(cr.status === 'partial' && cr.rejected[0]?.error.code).toBe('invalid-input');
    expect(await readFile(path, 'utf8')).toBe('fine\nafter\n');
  });

  it('fsync=batch: the file is opened O_DSYNC (each write durable before ok), no extra fdatasync', async () => {
    const dir = await tempDir();
    const datasync = vi.spyOn(await fileHandlePrototype(dir), 'datasync');
    const path = join(dir, 'out.log');
    const t = await sink({ path });
    await t.send([text('a')]);
    await t.send([text('b')]);
    expect(await openFlagsOf(path)).toBe(constants.O_DSYNC);
    expect(datasync).not.toHaveBeenCalled();
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
    await t.close();
    const never = await sink({ path: join(dir, 'never.log'), fsync: 'never' });
    await never.send([text('a')]);
    expect(await openFlagsOf(join(dir, 'never.log'))).toBe(0);
  });

  it('fsync=batch: a failed write is undone even when it reports no bytes, and EIO stays failed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.log');
    await writeFile(path, 'before\n');
    const t = await sink({ path });
    const handleProto = (await fileHandlePrototype(dir)) as unknown as {
      write(...args: unknown[]): Promise<{ bytesWritten: number }>;
    };
    const realWrite = handleProto.write;
    // As an O_DSYNC write whose sync failed: the bytes reached the file, the call reports EIO.
    vi.spyOn(handleProto, 'write').mockImplementationOnce(async function (
      this: unknown,
      ...args: unknown[]
    ) {
      await realWrite.apply(this, args);
      throw Object.assign(new Error('i/o error'), { code: 'EIO' });
    });
    const result = await t.send([text('abcdef')]);
    expect(result.status).toBe('failed');
    expect(await readFile(path, 'utf8')).toBe('before\n');
    expect((await t.send([text('again')])).status).toBe('failed');
  });

  it('fsync=never: no fdatasync at all; fsync=interval: on the timer, not per batch', async () => {
    const dir = await tempDir();
    const datasync = vi.spyOn(await fileHandlePrototype(dir), 'datasync');
    const never = await sink({ path: join(dir, 'never.log'), fsync: 'never' });
    await never.send([text('a')]);
    await never.close();
    expect(datasync).not.toHaveBeenCalled();
    const interval = await sink({
      path: join(dir, 'interval.log'),
      fsync: 'interval',
      fsyncIntervalMs: 20,
    });
    await interval.send([text('a')]);
    await interval.send([text('b')]);
    expect(datasync).not.toHaveBeenCalled();
    await sleep(100);
    expect(datasync).toHaveBeenCalledTimes(1); // once: nothing was written after it
    expect(await readFile(join(dir, 'interval.log'), 'utf8')).toBe('a\nb\n');
  });

  it('undoes a partial write so a retry cannot leave half a line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.log');
    await writeFile(path, 'before\n');
    const t = await sink({ path });
    const probe = await open(path, 'r');
    await probe.close();
    const proto = Object.getPrototypeOf(probe) as {
      write(...args: unknown[]): Promise<{ bytesWritten: number }>;
    };
    const realWrite = proto.write;
    vi.spyOn(proto, 'write')
      .mockImplementationOnce(function (this: unknown, buffer: unknown, offset: unknown) {
        return realWrite.call(this, buffer, offset, 3, null);
      })
      .mockRejectedValueOnce(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    const result = await t.send([text('abcdef')]);
    expect(result.status).toBe('retryable');
    expect(result.status === 'retryable' && result.error.message).toBe(
      `[transport:file] cannot write ${path}: no space left on device (ENOSPC)`,
    );
    expect(await readFile(path, 'utf8')).toBe('before\n');
    expect(await t.send([text('abcdef')])).toEqual({ status: 'ok' });
    expect(await readFile(path, 'utf8')).toBe('before\nabcdef\n');
  });

  it('fails with not-found and the fix when the directory is missing and mkdir=false', async () => {
    const dir = await tempDir();
    const path = join(dir, 'missing', 'out.log');
    const t = track(createFileTransport({ path, mkdir: false }));
    const error = await t.open({ role: 'egress' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'not-found',
      message: `[transport:file] cannot open ${path}: no such file or directory (ENOENT)`,
      hint: `check that the directory of ${path} can be created (mkdir=true, the default, creates missing parents on a writable file system)`,
    });
    // Opened lazily by send(), the same error is a result, not a throw.
    const lazy = track(createFileTransport({ path, mkdir: false }));
    const result = await lazy.send([text('x')]);
    expect(result.status === 'failed' && result.error.code).toBe('not-found');
  });

  it('maps a directory as path to invalid-config', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'sub'));
    const error = await sink({ path: join(dir, 'sub') }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'invalid-config',
      hint: 'point `path` at a file, not a directory',
    });
  });
});

describe('stdout sink (path "-")', () => {
  it('waits for the stream to take each batch, and for drain under backpressure', async () => {
    const chunks: string[] = [];
    const stdout = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _encoding, callback) {
        setTimeout(() => {
          chunks.push(chunk.toString());
          callback();
        }, 20);
      },
    });
    const piped = track(createFileTransport({ path: '-' }, { stdout }));
    await piped.open({ role: 'egress' });
    const started = performance.now();
    expect(await piped.send([text('first'), text('second')])).toEqual({ status: 'ok' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(chunks).toEqual(['first\nsecond\n']);
    expect(stdout.writableNeedDrain).toBe(false);
    expect(piped.capabilities.replay).toBe(false);
  });

  it('turns EPIPE into a failed send with code closed, without crashing', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const t = track(createFileTransport({ path: '-' }, { stdout }));
    await t.open({ role: 'egress' });
    const result = await t.send([text('lost')]);
    expect(result.status).toBe('failed');
    expect(result.status === 'failed' && result.error.message).toBe(
      '[transport:file] cannot write stdout: the reading end of the pipe was closed (EPIPE)',
    );
  });
});

describe('sink parent directories', () => {
  it('fails fast (not-found) for a path under /proc instead of hanging in a recursive mkdir', async () => {
    const t = createFileTransport({ path: '/proc/1/edgeplane-nope/out.log' });
    const started = Date.now();
    const result = await t.send?.([{ body: Buffer.from('x') }]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result?.status).toBe('failed');
    await t.close();
  });
});
