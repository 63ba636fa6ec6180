import { describe, expect, it } from 'vitest';
import { context, msg, run, thrown } from '../../test/helpers.js';
import { TokenBucket } from './bucket.js';
import { createRateLimitStage, parseRateLimitOptions } from './stage.js';

const limit = (settings: Record<string, string>) =>
  createRateLimitStage(context('rate_limit', settings));
const batch = (n: number) => Array.from({ length: n }, (_, i) => msg(String(i)));

describe('TokenBucket', () => {
  it('starts full, then refills at rate per second up to burst', () => {
    let t = 0;
    const b = new TokenBucket(10, 5, () => t);
    expect(b.take(5)).toBe(0);
    expect(b.take(1)).toBeCloseTo(100);
    t = 1000; // 10 s worth of refill, capped at the burst of 5; the debt of 1 was paid
    expect(b.take(5)).toBe(0);
    expect(b.take(0)).toBe(0);
  });

  it('a take larger than the burst waits exactly for the refill to pay the debt', () => {
    let t = 0;
    const b = new TokenBucket(100, 10, () => t);
    expect(b.take(110)).toBeCloseTo(1000);
    t = 1000;
    expect(b.take(1)).toBeCloseTo(10);
  });

  it('never lets more than burst + rate * t through by time t, whatever the batch sizes', () => {
    let t = 0;
    const rate = 50;
    const burst = 20;
    const b = new TokenBucket(rate, burst, () => t);
    let released = 0;
    for (const n of [1, 7, 30, 2, 100, 1, 1, 64, 3, 250, 9]) {
      t += b.take(n); // a stage waits this long, then releases n
      released += n;
      expect(released).toBeLessThanOrEqual(burst + (rate * t) / 1000 + 1e-9);
      t += 3; // the next run arrives a little later
    }
  });
});

describe('rate_limit stage', () => {
  it('passes the input array itself, at once while tokens last', async () => {
    const stage = limit({ rate: '1000', burst: '10' });
    const input = batch(10);
    const t0 = performance.now();
    expect(await run(stage, input)).toBe(input);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(stage.waitedMs()).toBe(0);
  });

  it('waits (backpressure) when the bucket is short: 30 messages at 100/s with burst 10 take ~200 ms', async () => {
    const stage = limit({ rate: '100', burst: '10' });
    const t0 = performance.now();
    const out = await run(stage, batch(30));
    const ms = performance.now() - t0;
    expect(out).toHaveLength(30);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1000);
    expect(stage.waitedMs()).toBeGreaterThanOrEqual(190);
  });

  it('burst defaults to the rate rounded up (one second of messages)', () => {
    expect(parseRateLimitOptions(context('rate_limit', { rate: '2.5' }))).toEqual({
      rate: 2.5,
      burst: 3,
    });
    expect(parseRateLimitOptions(context('rate_limit', { rate: '0.1' }))).toEqual({
      rate: 0.1,
      burst: 1,
    });
  });

  it('an abort of the loop signal ends the wait at once with `cancelled` naming the stage', async () => {
    const stage = limit({ rate: '1', burst: '1' });
    const ac = new AbortController();
    const t0 = performance.now();
    const pending = run(stage, batch(5), ac.signal);
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toMatchObject({
      code: 'cancelled',
      message: expect.stringMatching(
        /stopped while waiting \d+ ms for tokens \(stage 1, id "s1"\)/,
      ),
    });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('an already aborted signal fails a call that would wait, not one that would not', async () => {
    const stage = limit({ rate: '10', burst: '2' });
    const ac = new AbortController();
    ac.abort();
    await expect(run(stage, batch(2), ac.signal)).resolves.toHaveLength(2);
    await expect(run(stage, batch(2), ac.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('rate_limit: bad settings (invalid-config naming stages.<id>.<setting>)', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['rate missing', {}, /`stages\.s1\.rate` is required/],
    [
      'rate 0',
      { rate: '0' },
      /`stages\.s1\.rate` must be a number of messages per second above 0 and at most 10000000, got "0"/,
    ],
    ['rate negative', { rate: '-1' }, /`stages\.s1\.rate` must be a number/],
    ['rate with a unit', { rate: '100/s' }, /`stages\.s1\.rate` must be a number/],
    ['rate too large', { rate: '10000001' }, /`stages\.s1\.rate` must be a number/],
    [
      'burst 0',
      { rate: '1', burst: '0' },
      /`stages\.s1\.burst` must be a whole number from 1 to 10000000, got "0"/,
    ],
    ['burst fractional', { rate: '1', burst: '1.5' }, /`stages\.s1\.burst` must be a whole number/],
    [
      'an unknown setting',
      { rate: '1', per: 'second' },
      /`stages\.s1\.per` is not a setting of this stage/,
    ],
  ];
  for (const [what, settings, message] of cases) {
    it(what, () => {
      const e = thrown(() => limit(settings));
      expect(e.code).toBe('invalid-config');
      expect(e.message).toMatch(message);
      expect(e.message).toContain('(stage 1, id "s1")');
      expect(e.hint).toBeTruthy();
    });
  }
});
