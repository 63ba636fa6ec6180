import { describe, expect, it } from 'vitest';
import { StreamProtocolError } from './compat.js';
import { responseCodeOf, streamError } from './errors.js';

const map = (error: unknown) => streamError(error, 'connect', 'h:5552');

describe('error mapping', () => {
  it.each([
    [2, 'not-found', 'stream does not exist (response code 2)'],
    [6, 'unavailable', 'stream not available (response code 6)'],
    [8, 'unauthenticated', 'authentication failure (response code 8)'],
    [12, 'permission-denied', 'virtual host access failure (response code 12)'],
    [14, 'too-large', 'frame too large (response code 14)'],
    [16, 'permission-denied', 'access refused (response code 16)'],
    [17, 'conflict', 'precondition failed (response code 17)'],
    [18, 'unavailable', 'publisher does not exist (response code 18)'],
  ])('response code %i → %s', (code, expected, text) => {
    const e = map(new StreamProtocolError('x', code));
    expect(e.code).toBe(expected);
    expect(e.message).toBe(`[transport:rabbitmq-streams] cannot connect (h:5552): ${text}`);
  });

  it('reads the code the client puts in its messages, or rejects with', () => {
    expect(responseCodeOf(new Error('Query offset command returned error with code 19'))).toBe(19);
    expect(responseCodeOf(new Error('Unable Authenticate -> 8'))).toBe(8);
    expect(responseCodeOf(2)).toBe(2);
    expect(responseCodeOf(new Error('wrapper', { cause: new StreamProtocolError('x', 12) }))).toBe(
      12,
    );
    expect(responseCodeOf(new Error('no code here'))).toBeUndefined();
  });

  it.each([
    ['ECONNREFUSED', 'unavailable', 'connection refused (ECONNREFUSED)'],
    ['ECONNRESET', 'unavailable', 'connection reset by the broker (ECONNRESET)'],
    ['ETIMEDOUT', 'unavailable', 'timed out (ETIMEDOUT)'],
    ['ENOTFOUND', 'unavailable', 'host name not found (ENOTFOUND)'],
  ])('errno %s → %s', (errno, expected, text) => {
    const e = map(Object.assign(new Error('x'), { code: errno }));
    expect(e.code).toBe(expected);
    expect(e.message).toContain(text);
  });

  it('anything else keeps its message and is unavailable (retryable)', () => {
    const e = map(new Error('Stream was not found on any node'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe(
      '[transport:rabbitmq-streams] cannot connect (h:5552): Stream was not found on any node',
    );
  });
});
