import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { createNatsTransport, natsTransport } from './transport.js';

function rejection(input: unknown): { code?: string; message: string; option?: unknown } {
  try {
    natsTransport.parseOptions(input);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return { code: error.code, message: error.message, option: error.details?.option };
  }
  throw new Error('expected a rejection');
}

describe('nats transport options', () => {
  it('accepts the string values of the key=value adapter config, with defaults', () => {
    const o = natsTransport.parseOptions({
      servers: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
      stream: 'ORDERS',
      subject: 'orders.>',
      durable: 'edgeplane',
      createStream: 'true',
      ackWaitMs: '2000',
    });
    expect(o).toMatchObject({
      servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'],
      mode: 'jetstream',
      createStream: true,
      createConsumer: false,
      ackWaitMs: 2000,
      maxAckPending: 20_000,
      msgId: 'auto',
      keyHeader: 'Edgeplane-Key',
      maxBodyBytes: 1_044_480,
      maxReconnectAttempts: -1,
    });
  });

  it('documents every option, secrets marked', () => {
    const options = natsTransport.describeOptions();
    for (const o of options) expect(o.description.length, o.name).toBeGreaterThan(15);
    const secret = options.filter((o) => o.secret).map((o) => o.name);
    expect(secret).toEqual(['password', 'token']);
    expect(options.find((o) => o.name === 'servers')?.required).toBe(true);
    expect(options.find((o) => o.name === 'mode')?.type).toBe('jetstream | core');
  });

  it('names the option in invalid-config errors', () => {
    expect(rejection({ servers: 'nats://h:1', subject: 'x' })).toEqual({
      code: 'invalid-config',
      message:
        '[transport:nats] missing required option `stream` for mode=jetstream (or set `mode=core`)',
      option: 'stream',
    });
    expect(rejection({ servers: 'nats://h:1', mode: 'core', subject: 'a b' })).toMatchObject({
      code: 'invalid-config',
      option: 'subject',
    });
    expect(
      rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', ackWaitMs: '5' }).message,
    ).toBe('[transport:nats] option "ackWaitMs": expected an integer in [1000, 86400000], got "5"');
    expect(
      rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', password: 'secret-pw' }),
    ).toMatchObject({
      option: 'user',
    });
    expect(rejection({ servers: 'nats://h:1', mode: 'core', subject: 'x', bogus: 1 }).message).toBe(
      '[transport:nats] unknown option "bogus"',
    );
    expect(rejection({ servers: '', mode: 'core', subject: 'x' }).option).toBe('servers');
  });

  it('create() validates synchronously', () => {
    expect(() => createNatsTransport({ servers: 'nats://h:1', subject: 'x' })).toThrow(/`stream`/);
  });
});
