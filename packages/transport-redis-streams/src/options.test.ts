import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { redisStreamsTransport as descriptor } from './transport.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('options', () => {
  it('fills the defaults', () => {
    expect(descriptor.parseOptions({ stream: 's' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      stream: 's',
      group: 'edgeplane',
      createGroup: true,
      startId: '0',
      batchMaxMessages: 1024,
      blockMs: 2000,
      claimMinIdleMs: 60_000,
      claimIntervalMs: 10_000,
      waitReplicas: 0,
      maxBodyBytes: 512 * 1024 * 1024,
      waitTimeoutMs: 1000,
      bodyField: 'body',
      keyField: 'key',
      headerPrefix: 'h:',
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 30_000,
      reconnectMaxDelayMs: 2000,
    });
  });

  it('accepts the strings of an adapter config', () => {
    const o = descriptor.parseOptions({
      stream: 's',
      createGroup: 'false',
      batchMaxMessages: '500',
      maxLen: '100000',
      startId: '$',
    });
    expect(o).toMatchObject({
      createGroup: false,
      batchMaxMessages: 500,
      maxLen: 100_000,
      startId: '$',
    });
  });

  it('a bad option is invalid-config naming it', () => {
    const e = thrown(() => descriptor.parseOptions({ stream: 's', batchMaxMessages: 'lots' }));
    expect(isEdgeplaneError(e) && e.code).toBe('invalid-config');
    expect((e as Error).message).toBe(
      '[transport:redis-streams] option "batchMaxMessages": expected an integer in [1, 100000], got "lots"',
    );
    const missing = thrown(() => descriptor.parseOptions({}));
    expect((missing as Error).message).toBe(
      '[transport:redis-streams] option "stream" is required',
    );
    const start = thrown(() => descriptor.parseOptions({ stream: 's', startId: 'latest' }));
    expect((start as Error).message).toContain('option "startId": expected 0, $ or a stream id');
    expect(isEdgeplaneError(thrown(() => descriptor.create({ stream: '' } as never)))).toBe(true);
  });

  it('never repeats a URL, which may hold a password', () => {
    const e = thrown(() => descriptor.parseOptions({ stream: 's', url: 'http://u:hunter22@h:1' }));
    expect((e as Error).message).toContain('option "url"');
    expect((e as Error).message).not.toContain('hunter22');
  });

  it('describes every option; the password is secret', () => {
    const described = descriptor.describeOptions();
    for (const o of described) expect(o.description.length, o.name).toBeGreaterThan(10);
    expect(described.find((o) => o.name === 'password')?.secret).toBe(true);
    expect(described.find((o) => o.name === 'url')?.secret).toBe(true);
    expect(described.find((o) => o.name === 'stream')?.required).toBe(true);
    expect(described.find((o) => o.name === 'url')?.required).toBe(false);
  });
});
