import { describe, expect, it } from 'vitest';
import { serverVersionCheck } from './check-probes.js';

describe('server-version', () => {
  it('is ok within the tested RabbitMQ 3.10, warn outside it or without a version', () => {
    expect(serverVersionCheck('3.10.8')).toEqual({
      name: 'server-version',
      status: 'ok',
      detail: 'RabbitMQ 3.10.8, tested',
    });
    expect(serverVersionCheck('3.13.1')).toEqual({
      name: 'server-version',
      status: 'warn',
      detail: 'RabbitMQ 3.13.1: outside the tested 3.10',
      fix: 'this transport was tested with RabbitMQ 3.10: run the lane against this broker in a test setup first',
    });
    expect(serverVersionCheck('3.9.29').status).toBe('warn');
    expect(serverVersionCheck('').detail).toBe(
      'RabbitMQ (no version sent): outside the tested 3.10',
    );
  });
});
