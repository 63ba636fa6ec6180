import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEQUENCE_FILE, SequenceStore } from './sequence.js';

describe('SequenceStore', () => {
  it('gives increasing 20-digit sequences, reserved in the lane before use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-s3-seq-'));
    const store = new SequenceStore(dir);
    const a = await store.next();
    const b = await store.next();
    expect(a).toMatch(/^\d{20}$/);
    expect(BigInt(b)).toBe(BigInt(a) + 1n);
    // the file already holds a value past both (reserved in a block)
    expect(BigInt(readFileSync(join(dir, SEQUENCE_FILE), 'utf8'))).toBeGreaterThan(BigInt(b));
  });

  it('a new run never reuses a sequence of the one before, even with the clock behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-s3-seq-'));
    const far = 99_000_000_000_000_000n; // later than any clock value here
    writeFileSync(join(dir, SEQUENCE_FILE), far.toString());
    const next = await new SequenceStore(dir).next();
    expect(BigInt(next)).toBe(far);
    const after = await new SequenceStore(dir).next();
    expect(BigInt(after)).toBeGreaterThan(BigInt(next));
  });

  it('concurrent callers get distinct sequences', async () => {
    const store = new SequenceStore(undefined);
    const all = await Promise.all(Array.from({ length: 50 }, () => store.next()));
    expect(new Set(all).size).toBe(50);
  });
});
