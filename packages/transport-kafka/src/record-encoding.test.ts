// The record-batch encoder that patches/@platformatic__kafka@2.12.1.patch adds to the client (one
// Buffer per batch instead of a Writer per record) must write the same bytes as the client's own
// general path, which the patch keeps behind `generalRecordsPath`. And what it writes must read
// back as the records given.
import { createRecordsBatch, Reader, readRecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

type Message = Parameters<typeof createRecordsBatch>[0][number];

function messages(seed: number, n: number): Message[] {
  let x = seed;
  const rnd = (m: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % m;
  };
  const bytes = (len: number) => Buffer.from(Array.from({ length: len }, () => rnd(256)));
  const base = 1_796_000_000_000n;
  return Array.from({ length: n }, (_, i) => {
    const headers = new Map<Buffer, Buffer>();
    for (let h = rnd(3); h > 0; h--) headers.set(bytes(1 + rnd(12)), bytes(rnd(40)));
    const sizes = [0, 1, 63, 64, 127, 128, 8191, 8192, 20_000];
    return {
      topic: 't',
      partition: 0,
      key: rnd(3) === 0 ? undefined : bytes(rnd(20)),
      value: bytes(sizes[rnd(sizes.length)] as number),
      headers: rnd(2) === 0 ? undefined : headers,
      // Deltas around the varint boundaries, negative ones too.
      timestamp: base + BigInt([0, 1, -1, 63, 64, -65, 8192, 2 ** 20, -(2 ** 21)][i % 9] as number),
    } as Message;
  });
}

/** A copy (the encoder sets `timestamp` on the messages it is given); Buffers stay Buffers. */
const copy = (ms: Message[]): Message[] => ms.map((m) => ({ ...m }));
const writer = (ms: Message[], general: boolean) =>
  createRecordsBatch(copy(ms), {
    producerId: 7n,
    producerEpoch: 1,
    ...(general ? { generalRecordsPath: true } : {}),
  } as Parameters<typeof createRecordsBatch>[1]);
const encode = (ms: Message[], general: boolean) => writer(ms, general).buffer;

describe('the patched record-batch encoder', () => {
  it('is in use: the records are one buffer, not several per record', () => {
    const ms = messages(3, 100);
    const parts = (general: boolean) => writer(ms, general).dynamicBuffer.buffers.length;
    expect(parts(false)).toBeLessThan(20);
    expect(parts(true)).toBeGreaterThan(300);
  });

  it('writes the same bytes as the client’s general path', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const ms = messages(seed, 1 + (seed % 7) * 30);
      const fast = encode(ms, false);
      const general = encode(ms, true);
      expect(fast.equals(general)).toBe(true);
    }
  });

  it('reads back as the records given', () => {
    const ms = messages(99, 200);
    const batch = readRecordsBatch(Reader.from(encode(ms, false)));
    expect(batch.records).toHaveLength(200);
    batch.records.forEach((r, i) => {
      const m = ms[i] as Message;
      expect(Buffer.compare(r.value, m.value as Buffer)).toBe(0);
      if (m.key === undefined) expect(r.key ?? Buffer.alloc(0)).toHaveLength(0);
      else expect(Buffer.compare(r.key, m.key as Buffer)).toBe(0);
      expect(r.headers.length).toBe(m.headers ? (m.headers as Map<Buffer, Buffer>).size : 0);
      expect(batch.firstTimestamp + r.timestampDelta).toBe(m.timestamp);
    });
  });

  it('the same bytes for a null value, a Uint8Array value (the general path) and number timestamps', () => {
    const ms = messages(5, 10).map((m, i) => ({
      ...m,
      value: i === 3 ? new Uint8Array([1, 2, 3]) : i === 4 ? null : m.value,
      timestamp: i === 0 ? Number(m.timestamp) : m.timestamp,
    })) as Message[];
    expect(encode(ms, false).equals(encode(ms, true))).toBe(true);
  });
});
