import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines.js';
import type { FileMessage, FileRef } from './message.js';

const file = (): FileRef => ({ path: '/data/in.log', base: 'in.log', dev: '1', ino: '2', seen: 0 });

interface Split {
  readonly lines: { body: string; start: number; end: number; id: string; position: string }[];
  readonly splitter: LineSplitter;
}

/** Splits `input` fed in chunks cut at `cuts`, then takes the tail (a final end of file). */
function split(input: Buffer | string, cuts: number[] = [], max = 1024, divert = false): Split {
  const bytes = Buffer.from(input);
  const splitter = new LineSplitter(file(), 0, max, divert);
  const out: FileMessage[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh buffer per chunk, as the reader does.
    splitter.push(Buffer.from(bytes.subarray(at, cut)), at, out);
    at = cut;
  }
  splitter.takeTail(out);
  const lines = out.map((m) => ({
    body: m.body.toString('latin1'),
    start: m.start,
    end: m.end,
    id: m.id,
    position: m.position,
  }));
  return { lines, splitter };
}

const bodies = (s: Split) => s.lines.map((l) => l.body);

describe('LineSplitter', () => {
  it('ends lines at LF, stripping the CRs right before it and at the end of the last line', () => {
    const s = split('a\r\nb\nc\rd\n\r\ne\r');
    expect(bodies(s)).toEqual(['a', 'b', 'c\rd', '', 'e']);
    expect(s.lines.map((l) => [l.start, l.end])).toEqual([
      [0, 3],
      [3, 5],
      [5, 9],
      [9, 11],
      [11, 13],
    ]);
  });

  it('never produces a body ending with CR, however many CRs and wherever chunks are cut', () => {
    // cr-before-crlf: `a CR CR LF` and a CRLF file cut in the middle of its last terminator
    for (const input of ['a\r\r\nb\n', 'a\r\nb\r\nc\r', 'x\r\r\r\n\r\r\ny\r\r']) {
      for (let cut = 1; cut < input.length; cut++) {
        const got = bodies(split(input, [cut]));
        for (const body of got)
          expect(body.at(-1), `${JSON.stringify(input)} cut at ${cut}`).not.toBe('\r');
      }
    }
    expect(bodies(split('a\r\r\nb\n'))).toEqual(['a', 'b']);
    expect(bodies(split('a\r\nb\r\nc\r'))).toEqual(['a', 'b', 'c']);
  });

  it('emits a last line without terminator at end of file, with its end as position', () => {
    const s = split('one\ntwo');
    expect(bodies(s)).toEqual(['one', 'two']);
    expect(s.lines[1]).toMatchObject({ start: 4, end: 7, position: '7', id: 'in.log@4' });
  });

  it('makes an empty line a message with an empty body', () => {
    expect(bodies(split('\n\nx\n\n'))).toEqual(['', '', 'x', '']);
    expect(bodies(split(''))).toEqual([]);
  });

  it('gives the same lines wherever the chunks are cut (CR and LF in different chunks too)', () => {
    const input = 'alpha\r\nbe\rta\n\ngamma\r\n\r\ndelta';
    const whole = split(input).lines;
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        expect(split(input, [a, b]).lines, `cuts at ${a}, ${b}`).toEqual(whole);
      }
    }
  });

  it('passes non-UTF-8 bytes through unchanged', () => {
    const raw = Buffer.from([
      0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x0d, 0x41, 0x0a, 0xed, 0xa0, 0x80,
    ]);
    const s = split(raw, [3, 7]);
    expect(s.lines.map((l) => Buffer.from(l.body, 'latin1'))).toEqual([
      raw.subarray(0, 8),
      raw.subarray(9),
    ]);
  });

  it('accepts a line of exactly maxLineBytes, with its CRLF split across chunks', () => {
    expect(bodies(split('12345\r\n678\n', [6], 5))).toEqual(['12345', '678']);
  });

  it('fails on an over-long line, naming file, line, offset, limit and the fix', () => {
    const s = split('ok\nthis is too long\nnever\n', [], 10);
    expect(bodies(s)).toEqual(['ok']);
    expect(s.splitter.failure?.code).toBe('invalid-input');
    expect(s.splitter.failure?.message).toBe(
      '[transport:file] line 2 (byte offset 3) of /data/in.log is longer than `maxLineBytes` (10 bytes): raise `maxLineBytes` or set `deadLetterPath` to divert over-long lines',
    );
  });

  it('fails on an over-long line before its LF arrives, and on an over-long tail', () => {
    const streaming = split('x\nabcdefghijklmnop', [5, 9], 4);
    expect(bodies(streaming)).toEqual(['x']);
    expect(streaming.splitter.failure?.message).toContain('line 2 (byte offset 2)');
    const tail = split('abcdefgh', [], 4);
    expect(tail.splitter.failure?.message).toContain('line 1 (byte offset 0)');
  });

  it('names the byte offset only when reading did not start at 0', () => {
    const splitter = new LineSplitter(file(), 100, 3, false);
    splitter.push(Buffer.from('abcdef\n'), 100, []);
    expect(splitter.failure?.message).toContain('the line at byte offset 100 of /data/in.log');
  });

  it('diverts over-long lines (original bytes and terminator) and goes on', () => {
    const input = 'ok\r\nwaytoolong\r\nfine\nanothertoolongline\nlast\nunterminatedtoolong';
    for (const cuts of [[], [6], [12, 30], [25, 50]]) {
      const s = split(input, cuts, 6, true);
      expect(bodies(s), `cuts ${cuts}`).toEqual(['ok', 'fine', 'last']);
      expect(Buffer.concat(s.splitter.deadLetter).toString()).toBe(
        'waytoolong\r\nanothertoolongline\nunterminatedtoolong\n',
      );
      expect(s.splitter.deadLettered).toBe(3);
      expect(s.splitter.consumed).toBe(input.length);
    }
  });

  it('keeps bodies as views into the chunk for lines inside one chunk', () => {
    const chunk = Buffer.from('abc\ndef\n');
    const out: FileMessage[] = [];
    new LineSplitter(file(), 0, 100, false).push(chunk, 0, out);
    expect(out[1]?.body.buffer).toBe(chunk.buffer);
  });
});

describe('LineSplitter.push(…, from, limit)', () => {
  it('split a batch at a time gives what one push gives: lines, offsets, diversions, held tail', () => {
    const text = 'a\nbb\nccc\nOVERLONG-LINE\ndd\ne\r\nff\ngg';
    const cuts = [7, 30]; // a line spans the first cut; the last chunk ends unterminated
    const whole = split(text, cuts, 8, true);
    for (const limit of [1, 2, 3]) {
      const bytes = Buffer.from(text);
      const splitter = new LineSplitter(file(), 0, 8, true);
      const out: FileMessage[] = [];
      const steps: number[] = [];
      let at = 0;
      for (const cut of [...cuts, bytes.length]) {
        const chunk = Buffer.from(bytes.subarray(at, cut));
        for (let from = 0; from < chunk.length; ) {
          const before = out.length;
          from = splitter.push(chunk, at, out, from, limit);
          steps.push(out.length - before);
          expect(splitter.consumed).toBe(out.at(-1)?.end ?? splitter.consumed);
        }
        at = cut;
      }
      splitter.takeTail(out);
      expect(out.map((m) => [m.body.toString(), m.start, m.end])).toEqual(
        whole.lines.map((l) => [l.body, l.start, l.end]),
      );
      expect(splitter.deadLettered).toBe(whole.splitter.deadLettered);
      expect(Buffer.concat(splitter.deadLetter).toString()).toBe('OVERLONG-LINE\n');
      expect(Math.max(...steps)).toBeLessThanOrEqual(limit);
    }
  });
});
