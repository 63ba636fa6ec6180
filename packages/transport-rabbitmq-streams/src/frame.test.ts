import { createRequire } from 'node:module';
import type { OutboundMessage } from '@edgeplane/adapter-loop/transport';
import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';
import { describe, expect, it } from 'vitest';
import { installClientCompat } from './compat.js';
import { encodeFrames, FRAME_MAX_MESSAGES, frameBytesOf, prepare } from './frame.js';
import { toInbound } from './message.js';

const require = createRequire(import.meta.url);

/** Re-wraps publish frames as one Deliver chunk and decodes it with the client's own decoder. */
function deliver(frames: Buffer[]): Message[] {
  installClientCompat();
  const { ResponseDecoder } = require('rabbitmq-stream-js-client/dist/response_decoder.js') as {
    ResponseDecoder: new (
      listener: () => void,
      logger: object,
    ) => {
      on(event: 'deliverV1', cb: (r: { messages: Message[] }) => void): void;
      add(data: Buffer, compression: () => unknown): void;
    };
  };
  const entries: Buffer[] = [];
  for (const f of frames) {
    const count = f.readUInt32BE(9);
    let at = 13;
    for (let i = 0; i < count; i++) {
      const length = f.readUInt32BE(at + 8);
      entries.push(f.subarray(at + 8, at + 12 + length));
      at += 12 + length;
    }
  }
  const data = Buffer.concat(entries);
  const head = Buffer.alloc(4 + 2 + 2 + 1 + 1 + 1 + 2 + 4 + 8 + 8 + 8 + 4 + 4 + 4 + 4);
  let at = head.writeUInt32BE(head.length - 4 + data.length, 0);
  at = head.writeUInt16BE(0x0008, at);
  at = head.writeUInt16BE(1, at);
  at = head.writeUInt8(0, at); // subscription id
  at = head.writeInt8(0, at); // magic
  at = head.writeInt8(0, at); // chunk type: user
  at = head.writeUInt16BE(entries.length, at);
  at = head.writeUInt32BE(entries.length, at);
  at += 16; // timestamp, epoch
  at = head.writeBigUInt64BE(1000n, at); // first offset
  at += 4; // crc
  head.writeUInt32BE(data.length, at);
  const noop = () => {};
  const decoder = new ResponseDecoder(noop, { debug: noop, info: noop, warn: noop, error: noop });
  let messages: Message[] = [];
  decoder.on('deliverV1', (r) => {
    messages = r.messages;
  });
  decoder.add(Buffer.concat([head, data]), () => undefined);
  return messages;
}

describe('publish frames', () => {
  it('round-trip bodies, keys and headers through the client decoder (empty values too)', () => {
    const sent: OutboundMessage[] = [
      { body: Buffer.alloc(0) },
      { body: Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]), key: '' },
      { body: Buffer.alloc(300, 7), key: 'ключ 🔑', headers: { 'x-empty': '', 'x-ü': 'ünï 漢字' } },
      {
        body: Buffer.from('long strings'),
        key: 'k'.repeat(300),
        headers: { h: 'v'.repeat(70_000) },
      },
    ];
    const prepared = sent.map(prepare);
    const frames = encodeFrames(3, 41n, prepared, 1024 * 1024);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.readUInt8(8)).toBe(3);
    expect(frames[0]?.readBigUInt64BE(13)).toBe(41n);
    const got = deliver(frames).map((m) => toInbound('s', m));
    expect(got.map((m) => Buffer.from(m.body).toString('hex'))).toEqual(
      sent.map((m) => Buffer.from(m.body).toString('hex')),
    );
    expect(got.map((m) => m.key)).toEqual([undefined, '', 'ключ 🔑', 'k'.repeat(300)]);
    expect(got.map((m) => m.headers)).toEqual([{}, {}, sent[2]?.headers, sent[3]?.headers]);
    expect(got.map((m) => m.id)).toEqual(['s@1000', 's@1001', 's@1002', 's@1003']);
  });

  it('measures each message exactly (the size written is the size declared)', () => {
    const p = prepare({ body: Buffer.alloc(256), key: 'k', headers: { a: 'b' } });
    const [frame] = encodeFrames(0, 1n, [p], 1 << 20);
    expect(frame?.length).toBe(frameBytesOf(p));
    expect(frame?.readUInt32BE(0)).toBe(frameBytesOf(p) - 4);
  });

  it('splits at frame_max and at FRAME_MAX_MESSAGES, keeping ids consecutive; skips leading ones', () => {
    const prepared = Array.from({ length: 10 }, () => prepare({ body: Buffer.alloc(1000) }));
    const frames = encodeFrames(0, 1n, prepared, 3 * frameBytesOf(prepared[0] as never) - 100);
    expect(frames.map((f) => f.readUInt32BE(9))).toEqual([2, 2, 2, 2, 2]);
    expect(frames.map((f) => f.readBigUInt64BE(13))).toEqual([1n, 3n, 5n, 7n, 9n]);
    const skipped = encodeFrames(0, 1n, prepared, 1 << 20, 4);
    expect(skipped.map((f) => [f.readUInt32BE(9), f.readBigUInt64BE(13)])).toEqual([[6, 5n]]);
    const many = Array.from({ length: FRAME_MAX_MESSAGES + 1 }, () =>
      prepare({ body: Buffer.alloc(1) }),
    );
    expect(encodeFrames(0, 1n, many, 1 << 30).map((f) => f.readUInt32BE(9))).toEqual([
      FRAME_MAX_MESSAGES,
      1,
    ]);
  });

  it('does not modify the messages it is given', () => {
    const body = Buffer.from('same');
    const message = Object.freeze({ body, key: 'k', headers: Object.freeze({ a: 'b' }) });
    encodeFrames(0, 1n, [prepare(message)], 1 << 20);
    expect(body.toString()).toBe('same');
  });
});
