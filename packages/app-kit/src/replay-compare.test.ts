import type { CapturedEgress } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import type { CaptureSet } from './capture-read.js';
import { compareCapture, previewBytes } from './replay-compare.js';

const capture = (egress: CapturedEgress[]): CaptureSet => ({
  meta: {} as CaptureSet['meta'],
  ingress: [10, 11, 12].map((seq) => ({ seq, id: `m${seq}`, origin: `line ${seq}`, body: 'x' })),
  egress: new Map(egress.map((e) => [e.seq, e])),
});
const replayed = (egress: Omit<CapturedEgress, 'seq'>[]) =>
  new Map(egress.map((e, i) => [i, { seq: i, ...e }]));

describe('compareCapture', () => {
  it('identical outcomes; a message without a captured outcome is not compared', () => {
    const c = capture([
      { seq: 10, status: 'sent', body: 'a', headers: { x: '1', y: '2' } },
      { seq: 11, status: 'dropped' },
    ]);
    const got = replayed([
      { status: 'sent', body: 'a', headers: { y: '2', x: '1' } },
      { status: 'dropped' },
      { status: 'sent', body: 'whatever' },
    ]);
    expect(compareCapture(c, got)).toEqual({ compared: 2, difference: null });
  });

  it('names the first difference: outcome, key, headers, body from a byte', () => {
    const c = capture([
      { seq: 10, status: 'sent', body: 'same' },
      { seq: 11, status: 'sent', body: 'abcdef', key: 'k' },
    ]);
    const first = (e: Omit<CapturedEgress, 'seq'>) =>
      compareCapture(c, replayed([{ status: 'sent', body: 'same' }, e])).difference;
    expect(first({ status: 'sent', body: 'abcdef', key: 'k2' })?.field).toBe('key');
    expect(first({ status: 'sent', body: 'abcdef', key: 'k', headers: { a: 'b' } })?.field).toBe(
      'headers',
    );
    expect(first({ status: 'sent', body: 'abcXef', key: 'k' })).toEqual({
      index: 1,
      seq: 11,
      id: 'm11',
      origin: 'line 11',
      field: 'body',
      at_byte: 3,
      expected: { status: 'sent', bytes: 6, preview: '"abcdef"', key: 'k' },
      got: { status: 'sent', bytes: 6, preview: '"abcXef"', key: 'k' },
    });
    expect(first({ status: 'rejected', error: 'no' })).toMatchObject({
      field: 'outcome',
      got: { status: 'rejected', error: 'no' },
    });
    const none = compareCapture(c, replayed([{ status: 'sent', body: 'same' }])).difference;
    expect(none).toMatchObject({ index: 1, field: 'outcome', got: { status: 'none' } });
  });
});

describe('a message the egress refused in the captured run', () => {
  it('compares by what the egress was given (the egress is not replayed)', () => {
    const c = capture([
      { seq: 10, status: 'rejected', refused_by: 'egress', error: 'too large', body: 'big' },
    ]);
    expect(compareCapture(c, replayed([{ status: 'sent', body: 'big' }]))).toEqual({
      compared: 1,
      difference: null,
    });
    const changed = compareCapture(c, replayed([{ status: 'sent', body: 'bag' }])).difference;
    expect(changed).toMatchObject({
      field: 'body',
      at_byte: 1,
      expected: { status: 'sent', error: 'then refused by the egress: too large' },
    });
    // a stage's refusal is an outcome of the spec: it must be refused again
    const byStage = capture([{ seq: 10, status: 'rejected', error: 'not JSON' }]);
    const diff = compareCapture(byStage, replayed([{ status: 'sent', body: 'big' }])).difference;
    expect(diff?.field).toBe('outcome');
  });
});

describe('previewBytes', () => {
  it('text near the difference, JSON-quoted; bytes as hex', () => {
    expect(previewBytes(Buffer.from('a'.repeat(100)), 50)).toBe(`…"${'a'.repeat(64)}"…`);
    expect(previewBytes(Buffer.from('tab\there'))).toBe('"tab\\there"');
    expect(previewBytes(Buffer.from([0xff, 0x00, 0x41]))).toBe('hex ff0041');
    expect(previewBytes(Buffer.from([0x1b, 0x5b, 0x33, 0x31]))).toBe('hex 1b5b3331');
  });
});
