/**
 * The redact presets: what each matches in text. Every preset's matches contain no `"`, `\` or
 * control character, so masking one inside a JSON text keeps it JSON.
 */

/** Replaces one match (its text) with the mask or the HMAC token. */
export type Replace = (text: string) => string;

/** A preset: replaces every occurrence in `text`; returns `text` itself when nothing matched. */
export type Preset = (text: string, replace: Replace) => string;

/** Preset names, as written in `stages.<id>.presets`. */
export const PRESET_NAMES = ['email', 'ipv4', 'bearer', 'card'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Local part (RFC 5322 atext and dots) `@` domain labels, a last label of 2+ letters. */
export const EMAIL: RegExp =
  /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/g;

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/**
 * Four dotted octets 0-255. No word boundaries on purpose: `v1.2.3.4` or `10.0.0.1:8080` still
 * lose the address (a version string that looks like one is masked too).
 */
export const IPV4: RegExp = new RegExp(`${OCTET}(?:\\.${OCTET}){3}`, 'g');

/** The token after `Bearer ` (any case), RFC 6750 b64token characters; the scheme word stays. */
export const BEARER: RegExp = /(?<=bearer[ \t]+)[A-Za-z0-9\-._~+/]+=*/gi;
/** `BEARER` as the preset runs it: the scheme and spaces captured (a lookbehind at every position is slow). */
const BEARER_SCAN = /(bearer[ \t]+)([A-Za-z0-9\-._~+/]+=*)/gi;

/**
 * Runs of 13 or more digits with single spaces or dashes between them, from the run's first
 * digit: where card numbers are looked for.
 */
const DIGIT_RUN = /(?<!\d)\d(?:[ -]?\d){12,}/g;

/** True when `digits` (only 0-9) passes the Luhn check. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card numbers: 13-19 digits passing the Luhn check, written together or in groups separated by
 * single spaces or dashes. In a run of groups (`qty 2 4111 1111 1111 1111`) every span of whole
 * groups is tried, so a number beside another stays found; digits glued to a card number
 * (`x74111111111111111`) make one longer number, which is not a card. About one random 13-19
 * digit number in ten passes the Luhn check and is masked too.
 * Returns the [start, end) character ranges to mask in `run`.
 */
export function cardRanges(run: string): Array<[number, number]> {
  const groups: Array<{ start: number; end: number }> = [];
  for (const m of run.matchAll(/\d+/g)) groups.push({ start: m.index, end: m.index + m[0].length });
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      const g = groups[j] as { start: number; end: number };
      digits += run.slice(g.start, g.end);
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhn(digits)) {
        ranges.push([(groups[i] as { start: number }).start, g.end]);
      }
    }
  }
  return merge(ranges);
}

/** Sorted, overlapping or touching ranges merged. */
function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function card(text: string, replace: Replace): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(DIGIT_RUN)) {
    for (const [start, end] of cardRanges(m[0])) {
      out += text.slice(at, m.index + start) + replace(m[0].slice(start, end));
      at = m.index + end;
    }
  }
  return at === 0 ? text : out + text.slice(at);
}

/**
 * A preset (or a custom pattern) from a global regex: one scan, `text` itself when no match.
 * `needed`: a string every match contains, checked first (a fast way out for most texts).
 */
export function regexPreset(pattern: RegExp, needed?: string): Preset {
  return (text, replace) => {
    if (needed !== undefined && !text.includes(needed)) return text;
    let hit = false;
    const out = text.replace(pattern, (m) => {
      hit = true;
      return replace(m);
    });
    return hit ? out : text;
  };
}

function bearer(text: string, replace: Replace): string {
  if (!/bearer/i.test(text)) return text;
  let hit = false;
  const out = text.replace(BEARER_SCAN, (_m, scheme: string, token: string) => {
    hit = true;
    return scheme + replace(token);
  });
  return hit ? out : text;
}

/** The presets by name. */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  email: regexPreset(EMAIL, '@'),
  ipv4: regexPreset(IPV4, '.'),
  bearer,
  card,
};
