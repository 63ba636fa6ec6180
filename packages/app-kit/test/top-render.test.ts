import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import {
  awaitingEgress,
  createTopView,
  renderTop,
  renderTopWaiting,
  ringOccupancy,
  slowestStage,
  topRates,
} from '../src/index.js';
import {
  FAILED,
  FIRST,
  SECOND,
  WITH_DEAD_LETTER,
  WITH_DEAD_LETTER_BEFORE,
} from './top-fixtures.js';

const NOW = Date.parse(SECOND.captured_at) + 400;
const plain = (lines: readonly string[]): string[] => lines.map((l) => stripVTControlCharacters(l));

/** Every line fits `width` columns, ANSI styles excluded, and none holds a line break. */
function expectFits(lines: readonly string[], width: number): void {
  for (const line of plain(lines)) {
    expect(stringWidth(line), line).toBeLessThanOrEqual(width);
    expect(line).not.toMatch(/[\r\n]/);
  }
}

describe('renderTop: figures from two fixed snapshots', () => {
  it("rates are the counters' differences over the captured_at difference (2 s)", () => {
    const r = topRates(FIRST, SECOND);
    expect(r).toMatchObject({
      seconds: 2,
      ingress: 10_000,
      egress: 8_000,
      acked: 8_000,
      dropped: 1,
    });
    expect(r?.adapters.get('ingress:orders-in')).toBe(10_000);
    expect(topRates(undefined, SECOND)).toBeUndefined();
    expect(topRates({ ...FIRST, pid: 1 }, SECOND)).toBeUndefined();
    expect(topRates(SECOND, FIRST)).toBeUndefined();
    expect(ringOccupancy(SECOND)).toEqual({ used: 768, capacity: 1024, ratio: 0.75 });
    expect(slowestStage(SECOND)).toEqual({ stage: 'enrich', behind: 699 });
    expect(awaitingEgress(SECOND)).toBe(69);
    expect(awaitingEgress({ ...SECOND, ring: { ...SECOND.ring, released: 29_300 } })).toBe(0);
  });

  it('80 columns: the whole frame, exactly', () => {
    const lines = renderTop(FIRST, SECOND, { width: 80, color: false, now: NOW, footer: 'q quit' });
    expect(lines).toEqual([
      'edgeplane top  orders  running  pid 4242  captured 12:00:02Z (0.4 s ago)',
      '',
      'MESSAGES  MSG/S 2.0 s   TOTAL',
      'in             10,000  30,000',
      'out             8,000  25,500',
      'acked           8,000  25,000',
      'dropped             1      12',
      'RING  [########..] 768/1,024 (75%)  slowest stage enrich (699 behind)',
      '      69 processed, waiting for the egress',
      '',
      'ADAPTER     ROLE  TRANSPORT      STATE          MSG/S     LAG  FAIL/60S',
      'orders-in   in    kafka          ready         10,000  56,789         0',
      'orders-out  out   redis-streams  reconnecting   8,000       -         3',
      '',
      'last error  orders-out 12:00:01Z',
      '  [transport:redis-streams] the connection is down (reconnecting)',
      'cause       orders-out 12:00:01Z',
      '  [transport:redis-streams] WRONGPASS invalid username-password pair',
      '',
      'q quit',
    ]);
  });

  it('140 columns: per-adapter totals, full role names, errors on one line each', () => {
    const lines = renderTop(FIRST, SECOND, { width: 140, color: false, now: NOW });
    expectFits(lines, 140);
    const text = lines.join('\n');
    expect(text).toMatch(/^ADAPTER +ROLE +TRANSPORT +STATE +MSG\/S +TOTAL +LAG +FAIL\/60S$/m);
    expect(text).toMatch(/^orders-in +ingress +kafka +ready +10,000 +30,000 +56,789 +0$/m);
    expect(text).toMatch(/^orders-out +egress +redis-streams +reconnecting +8,000 +25,500 +- +3$/m);
    expect(text).toContain(
      'last error  orders-out 12:00:01Z  [transport:redis-streams] the connection is down (reconnecting)',
    );
    expect(text).toContain(
      'cause       orders-out 12:00:01Z  [transport:redis-streams] WRONGPASS invalid username-password pair',
    );
  });

  for (const width of [80, 140]) {
    it(`${width} columns, with a dead-letter binding and stage counts: its row, the dead-lettered count and rate, each stage`, () => {
      const lines = renderTop(WITH_DEAD_LETTER_BEFORE, WITH_DEAD_LETTER, {
        width,
        color: true,
        now: NOW,
      });
      expectFits(lines, width);
      const text = plain(lines).join('\n');
      const role = width >= 120 ? 'dead-letter' : 'dlq';
      expect(text).toMatch(
        new RegExp(`^orders-dlq +${role} +file +ready +2 +${width >= 120 ? '7 +' : ''}- +0$`, 'm'),
      );
      expect(text).toMatch(/^dead-lettered +2 +7$/m);
      expect(text).toMatch(/^STAGE +(KEY +)?BEHIND +FILTERED +REJECTED$/m);
      expect(text).toMatch(/^parse +(json_parse +)?9 +0 +7$/m);
      expect(text).toMatch(
        /^enrich +(http_post:http:\/\/127\.0\.0\.1:8080\/enrich +)?699 +12 +0$/m,
      );
    });
  }

  it('colours change nothing but the ANSI styles; plain output has none', () => {
    const o = { width: 80, now: NOW };
    const coloured = renderTop(FIRST, SECOND, { ...o, color: true });
    const bare = renderTop(FIRST, SECOND, { ...o, color: false });
    expect(plain(coloured)).toEqual(bare);
    expect(coloured.join('')).toContain('\u001b[33mreconnecting\u001b[39m');
    expect(bare.join('')).not.toContain('\u001b');
  });
});

describe('renderTop: what kind of document', () => {
  it('a failed final snapshot: the run ended, how, the error; no rates without a previous one', () => {
    const lines = renderTop(undefined, FAILED, { width: 80, color: false, status: 'final' });
    expectFits(lines, 80);
    expect(lines[1]).toBe('the run ended at 12:00:03Z: failed; final snapshot');
    expect(lines[2]).toBe(
      'error  [transport:redis-streams] WRONGPASS invalid username-password pair',
    );
    expect(lines).toContain('in            -  30,000');
    expect(lines.join('\n')).not.toContain('msg/s: shown from the second snapshot on');
  });

  it('a live first snapshot says when rates come', () => {
    const lines = renderTop(undefined, SECOND, { width: 80, color: false, now: NOW });
    expect(lines).toContain('msg/s: shown from the second snapshot on');
  });

  it('stale: the writer is dead, or the snapshot is older than staleAfterMs', () => {
    const dead = renderTop(FIRST, SECOND, {
      width: 80,
      color: false,
      now: NOW + 9_600,
      status: 'stale',
    });
    expect(dead[1]).toBe('stale: pid 4242 is not running; this is what it last wrote, 10 s ago');
    const old = renderTop(FIRST, SECOND, {
      width: 80,
      color: false,
      now: NOW + 3_000,
      staleAfterMs: 3000,
    });
    expect(old[1]).toBe('stale: no new snapshot for 3.4 s: is the loop running? pid 4242');
    const fresh = renderTop(FIRST, SECOND, {
      width: 80,
      color: false,
      now: NOW + 2_000,
      staleAfterMs: 3000,
    });
    expect(fresh[1]).toBe('');
  });

  it('a long multi-line error fits: one label line, two wrapped lines, the rest cut', () => {
    const error = `first line\nsecond line ${'x'.repeat(300)}`;
    const s = {
      ...SECOND,
      adapters: [{ ...SECOND.adapters[0], last_error: error, last_error_at: null }],
    } as typeof SECOND;
    const lines = renderTop(FIRST, s, { width: 80, color: false, now: NOW });
    expectFits(lines, 80);
    const at = lines.indexOf('last error  orders-in ?');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('  first line second line');
    expect(lines[at + 2]).toMatch(/^ {2}x{77}…$/);
    expect(lines[at + 3]).toBeUndefined();
  });

  it('a frame taller than the terminal keeps its head and the footer, and says what it cut', () => {
    const lines = renderTop(FIRST, SECOND, {
      width: 80,
      height: 10,
      color: false,
      now: NOW,
      footer: 'q quit',
    });
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^edgeplane top {2}orders {2}running/);
    expect(lines[7]).toBe('… 11 more lines: enlarge the terminal');
    expect(lines.slice(8)).toEqual(['', 'q quit']);
  });

  it('narrower than 40 columns is laid out at 40', () => {
    expectFits(renderTop(FIRST, SECOND, { width: 20, color: false, now: NOW }), 40);
  });
});

describe('createTopView', () => {
  it('waits, then follows one run: rates from the last two distinct snapshots, the interval learnt from them', () => {
    const view = createTopView('/run/byteor/orders');
    expect(view.observe(null)).toBe(false);
    expect(view.frame({ width: 80, color: false })).toEqual(
      renderTopWaiting('/run/byteor/orders', { width: 80, color: false }),
    );
    expect(view.frame({ width: 80, color: false })[2]).toBe(
      'no snapshot yet: is the loop started?',
    );
    expect(view.observe({ snapshot: FIRST, status: 'live' })).toBe(true);
    expect(view.observe({ snapshot: FIRST, status: 'live' })).toBe(false);
    expect(view.observe({ snapshot: SECOND, status: 'live' })).toBe(true);
    expect(view.observe({ snapshot: SECOND, status: 'live' })).toBe(false);
    const frame = view.frame({ width: 80, color: false, now: NOW });
    expect(frame).toContain('in             10,000  30,000');
    // learnt interval 2 s: stale after 6 s, not after 3 s
    expect(view.frame({ width: 80, color: false, now: NOW + 3_000 })[1]).toBe('');
    expect(view.frame({ width: 80, color: false, now: NOW + 6_000 })[1]).toMatch(
      /^stale: no new snapshot for 6\.4 s/,
    );
    expect(view.ended).toBe(false);
    expect(view.observe({ snapshot: FAILED, status: 'final' })).toBe(true);
    expect(view.ended).toBe(true);
    expect(
      view.observe({
        snapshot: { ...FIRST, pid: 7, captured_at: '2026-06-01T12:01:00.000Z' },
        status: 'live',
      }),
    ).toBe(true);
    expect(view.frame({ width: 80, color: false })).toContain(
      'msg/s: shown from the second snapshot on',
    );
  });
});
