import { describe, expect, it } from 'vitest';
import { subjectMatches } from './setup.js';

describe('subjectMatches', () => {
  it('matches literal subjects and the * and > wildcards like the server', () => {
    expect(subjectMatches('orders', 'orders')).toBe(true);
    expect(subjectMatches('orders.*', 'orders.eu')).toBe(true);
    expect(subjectMatches('orders.*', 'orders.eu.x')).toBe(false);
    expect(subjectMatches('orders.>', 'orders.eu.x')).toBe(true);
    expect(subjectMatches('orders.>', 'orders')).toBe(false);
    expect(subjectMatches('*.eu', 'orders.eu')).toBe(true);
    expect(subjectMatches('orders', 'orders.eu')).toBe(false);
  });
});
