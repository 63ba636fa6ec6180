import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { context, msg, run, text } from '../../test/helpers.js';
import { BEARER, cardRanges, EMAIL, IPV4, luhn, PRESETS } from './presets.js';
import { createRedactStage } from './stage.js';

const KEY = 'property-test-hmac-key-0123456789';

/** Luhn-valid card numbers of 13-19 digits, written together or in groups of 4 (space or dash). */
const cardNumber = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }),
    fc.constantFrom('', ' ', '-'),
  )
  .map(([head, sep]) => {
    const body = head.join('');
    const check = [...'0123456789'].find((d) => luhn(body + d)) as string;
    const digits = body + check;
    return sep ? (digits.match(/.{1,4}/g) as string[]).join(sep) : digits;
  });

const b64token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ABCXYZabcxyz0189-._~+/'), minLength: 1, maxLength: 40 }),
    fc.constantFrom('', '=', '=='),
  )
  .map(([t, pad]) => t + pad);

/** Random text, and a boundary character that cannot continue a digit run. */
const around = fc.string({ maxLength: 30 });
const edge = fc.constantFrom(' ', '\n', ',', ':', '/', 'x', '(', '"');

async function redacted(settings: Record<string, string>, body: string): Promise<string> {
  const [out] = await run(createRedactStage(context('redact', settings)), [msg(body)]);
  return text(out) as string;
}

const matches = (re: RegExp, s: string) => {
  re.lastIndex = 0;
  return re.test(s);
};

describe('redact presets never let their pattern through (fast-check)', () => {
  const cases = [
    ['email', fc.emailAddress(), EMAIL],
    ['ipv4', fc.ipV4(), IPV4],
  ] as const;
  for (const [preset, value, pattern] of cases) {
    it(`${preset}: embedded in random text, with the mask and with hmac_key`, async () => {
      await fc.assert(
        fc.asyncProperty(around, value, around, async (before, v, after) => {
          const body = `${before}${v}${after}`;
          const masked = await redacted({ presets: preset }, body);
          expect(masked).not.toContain(v);
          expect(matches(pattern, masked)).toBe(false);
          const hmac = await redacted({ presets: preset, hmac_key: KEY }, body);
          expect(hmac).not.toContain(v);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('bearer: the token after `Bearer ` (any case) is gone, the scheme word stays', async () => {
    await fc.assert(
      fc.asyncProperty(
        around,
        fc.constantFrom('Bearer', 'bearer', 'BEARER'),
        fc.constantFrom(' ', '  ', '\t'),
        b64token,
        edge,
        around,
        async (before, scheme, gap, tok, end, after) => {
          const body = `${before} ${scheme}${gap}${tok}${end}${after}`;
          const masked = await redacted({ presets: 'bearer' }, body);
          expect(masked).toContain(`${scheme}${gap}[REDACTED]`);
          expect(matches(BEARER, masked)).toBe(false);
          const hmac = await redacted({ presets: 'bearer', hmac_key: KEY }, body);
          expect(hmac).not.toContain(`${scheme}${gap}${tok}${end}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('card: a Luhn-valid number between non-digits is gone, also beside other numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        around,
        edge,
        cardNumber,
        edge,
        around,
        async (before, e1, card, e2, after) => {
          const body = `${before}${e1}${card}${e2}${after}`;
          const masked = await redacted({ presets: 'card' }, body);
          expect(masked).not.toContain(card);
          expect(PRESETS.card(masked, () => '!')).toBe(masked);
          const hmac = await redacted({ presets: 'card', hmac_key: KEY }, body);
          expect(hmac).not.toContain(card);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('card: 13-19 digit numbers failing the Luhn check are left alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 19 }),
        async (ds) => {
          const digits = ds.join('');
          fc.pre(!luhn(digits));
          expect(await redacted({ presets: 'card' }, `id ${digits} ok`)).toBe(`id ${digits} ok`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('presets, examples', () => {
  it('luhn', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'])
      expect(luhn(n)).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
  });

  it('cardRanges: every span of whole groups is tried; glued digits are one number', () => {
    expect(cardRanges('2 4111 1111 1111 1111')).toEqual([[2, 21]]);
    expect(cardRanges('4111111111111111')).toEqual([[0, 16]]);
    expect(cardRanges('74111111111111111')).toEqual([]);
    expect(cardRanges('4111-1111-1111-1111 4111 1111 1111 1111')).toEqual([[0, 39]]);
  });

  it('ipv4 needs four octets of 0-255; a longer dotted run loses its first address', async () => {
    expect(await redacted({ presets: 'ipv4' }, '1.2.3 and 256.1.1')).toBe('1.2.3 and 256.1.1');
    expect(await redacted({ presets: 'ipv4' }, 'v1.2.3.4.5 10.0.0.1:8080')).toBe(
      'v[REDACTED].5 [REDACTED]:8080',
    );
  });
});
