import { versionCheck } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { NATS_TESTED } from './check.js';
import { subjectCovers } from './check-jetstream.js';

// The server-version verdicts the machine's one server (2.9.10) cannot show, and subject
// coverage with wildcards on both sides.
describe('versionCheck with the NATS range', () => {
  it('the 2.9.x range: a 2.10 server is outside it', () => {
    expect(versionCheck('2.10.4', NATS_TESTED)).toMatchObject({
      status: 'warn',
      fix: 'expected to work, but not tested here: see "Server versions tested" in docs/transports/nats.md',
    });
  });
});

describe('subjectCovers', () => {
  it('a stream subject takes a literal or a narrower filter, never a wider one', () => {
    expect(subjectCovers('orders.>', 'orders.eu.paid')).toBe(true);
    expect(subjectCovers('orders.>', 'orders.*')).toBe(true);
    expect(subjectCovers('orders.*', 'orders.eu')).toBe(true);
    expect(subjectCovers('orders.*', 'orders.*')).toBe(true);
    expect(subjectCovers('orders.*', 'orders.>')).toBe(false);
    expect(subjectCovers('orders.eu', 'orders.*')).toBe(false);
    expect(subjectCovers('orders.>', 'orders')).toBe(false);
    expect(subjectCovers('>', 'anything.at.all')).toBe(true);
  });
});
