import { describe, expect, it } from 'vitest';
import { createFileTransport, fileTransport } from './transport.js';

describe('file transport options', () => {
  it('documents every option, with its default', () => {
    const options = fileTransport.describeOptions();
    expect(options.map((o) => [o.name, o.default, o.required])).toEqual([
      ['path', undefined, true],
      ['maxLineBytes', 1048576, false],
      ['deadLetterPath', undefined, false],
      ['follow', false, false],
      ['pollMs', 200, false],
      ['checkpointPath', undefined, false],
      ['readChunkBytes', 1048576, false],
      ['batchMaxMessages', 4096, false],
      ['fsync', 'batch', false],
      ['fsyncIntervalMs', 1000, false],
      ['append', true, false],
      ['mkdir', true, false],
    ]);
    for (const o of options) expect(o.description.length, o.name).toBeGreaterThan(20);
    expect(options.find((o) => o.name === 'maxLineBytes')?.type).toBe('integer in [1, 1073741824]');
    expect(options.find((o) => o.name === 'fsync')?.type).toBe('never | batch | interval');
  });

  it('accepts the string values of the key=value adapter config', () => {
    const parsed = fileTransport.parseOptions({
      path: 'in.log',
      maxLineBytes: '2048',
      follow: 'true',
      fsync: 'interval',
      append: 'false',
    });
    expect(parsed).toMatchObject({
      maxLineBytes: 2048,
      follow: true,
      fsync: 'interval',
      append: false,
    });
    expect(parsed.pollMs).toBe(200);
  });

  it('rejects bad options with invalid-config naming the option', () => {
    const cases: [unknown, string][] = [
      [{}, '[transport:file] option "path" is required'],
      [
        { path: 'x', maxLineBytes: 0 },
        '[transport:file] option "maxLineBytes": expected an integer in [1, 1073741824], got 0',
      ],
      [
        { path: 'x', fsync: 'sometimes' },
        '[transport:file] option "fsync": expected one of never, batch, interval, got "sometimes"',
      ],
      [{ path: 'x', folow: true }, '[transport:file] unknown option "folow"'],
    ];
    for (const [input, message] of cases) {
      expect(() => fileTransport.parseOptions(input)).toThrow(message);
      expect(() => createFileTransport(input as { path: string })).toThrow(
        expect.objectContaining({ code: 'invalid-config', message }),
      );
    }
  });
});
