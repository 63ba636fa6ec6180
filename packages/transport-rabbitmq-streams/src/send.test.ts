import { describe, expect, it } from 'vitest';
import { refusalOutcome } from './send.js';

// Per-message publish errors (one per publishing id): a broker refusal cannot be provoked for one
// message of a batch on a real node, so the mapping is pinned here.
describe('refusalOutcome', () => {
  const where = '127.0.0.1:5552';

  it('no publish error: ok', () => {
    expect(refusalOutcome(new Map(), where)).toEqual({ kind: 'ok' });
  });

  it('a permanent refusal rejects that message alone (partial), in index order', () => {
    const outcome = refusalOutcome(
      new Map([
        [3, 16],
        [1, 14],
      ]),
      where,
    );
    expect(outcome.kind).toBe('partial');
    if (outcome.kind !== 'partial') return;
    expect(outcome.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [1, 'too-large'],
      [3, 'permission-denied'],
    ]);
    expect(outcome.rejected[1]?.error.message).toBe(
      '[transport:rabbitmq-streams] cannot publish message 3 of the batch (127.0.0.1:5552): access refused (response code 16)',
    );
  });

  it('a refusal that may pass later (publisher unknown after a reconnection) makes the batch retryable', () => {
    const outcome = refusalOutcome(
      new Map([
        [0, 16],
        [2, 18],
      ]),
      where,
    );
    expect(outcome.kind).toBe('retryable');
  });

  it('stream does not exist: the stream was deleted (handled as such, not per message)', () => {
    expect(refusalOutcome(new Map([[0, 2]]), where)).toEqual({ kind: 'deleted' });
  });
});
