import { createHmac } from 'node:crypto';
import { isStageRejection } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { context, msg, run, text, thrown } from '../../test/helpers.js';
import { readJson, withJson } from '../json-body.js';
import { createRedactStage } from './stage.js';

const redact = (settings: Record<string, string>) => createRedactStage(context('redact', settings));
const KEY = 'k'.repeat(32);
const token = (v: string) => createHmac('sha256', KEY).update(v).digest('hex').slice(0, 32);

describe('redact: fields (JSON paths)', () => {
  it('replaces the values at each path with the mask; the rest is untouched', async () => {
    const stage = redact({ fields: 'user.email,client.ip' });
    const body = { user: { email: 'a@b.io', name: 'Ann' }, client: { ip: '10.0.0.1' }, n: 1 };
    const [out] = await run(stage, [msg(JSON.stringify(body), 'k1', { h: 'v' })]);
    expect(JSON.parse(text(out) as string)).toEqual({
      user: { email: '[REDACTED]', name: 'Ann' },
      client: { ip: '[REDACTED]' },
      n: 1,
    });
    expect(out).toMatchObject({ key: 'k1', headers: { h: 'v' } });
  });

  it('`*` reaches every array element and object property, a number one element', async () => {
    const stage = redact({ fields: 'items.*.card,tags.0,meta.*' });
    const body = {
      items: [{ card: '4111' }, { card: 5 }, {}],
      tags: ['x', 'y'],
      meta: { a: 1, b: [2] },
    };
    const [out] = await run(stage, [msg(JSON.stringify(body))]);
    expect(JSON.parse(text(out) as string)).toEqual({
      items: [{ card: '[REDACTED]' }, { card: '[REDACTED]' }, {}],
      tags: ['[REDACTED]', 'y'],
      meta: { a: '[REDACTED]', b: '[REDACTED]' },
    });
  });

  it('leaves null and absent values alone and passes the message itself when nothing matched', async () => {
    const stage = redact({ fields: 'user.email,a.b.c' });
    const m = msg('{"user":{"email":null},"a":"x"}');
    const input = [m];
    expect(await run(stage, input)).toBe(input);
  });

  it('never mutates the JSON value a previous stage carried', async () => {
    const value = { user: { email: 'a@b.io' } };
    const carried = withJson(msg('{}'), value);
    const [out] = await run(redact({ fields: 'user.email' }), [carried]);
    expect(value.user.email).toBe('a@b.io');
    expect(readJson(out as never)).toEqual({ user: { email: '[REDACTED]' } });
  });

  it('a property named __proto__ is masked as an own property (no prototype change)', async () => {
    const [out] = await run(redact({ fields: '__proto__.x' }), [msg('{"__proto__":{"x":"s"}}')]);
    expect(text(out)).toBe('{"__proto__":{"x":"[REDACTED]"}}');
  });

  it('refuses a body that is not JSON with invalid-input naming the stage (not a throw)', async () => {
    const [out] = await run(redact({ fields: 'a' }), [msg('not json')]);
    expect(isStageRejection(out)).toBe(true);
    expect(isStageRejection(out) && out.error.code).toBe('invalid-input');
    expect(text(out)).toMatch(
      /body is not JSON; redact with `fields` needs a JSON body \(stage 1, id "s1"\)/,
    );
  });
});

describe('redact: presets and pattern over text', () => {
  it('masks each preset in a plain-text line, keeping the Bearer scheme word', async () => {
    const stage = redact({ presets: 'email,ipv4,bearer,card' });
    const line =
      'user ann@example.com from 192.168.1.20 sent Authorization: Bearer abc.DEF-123_~+/= card 4111 1111 1111 1111 order 1234567890123';
    const [out] = await run(stage, [msg(line)]);
    expect(text(out)).toBe(
      'user [REDACTED] from [REDACTED] sent Authorization: Bearer [REDACTED] card [REDACTED] order 1234567890123',
    );
  });

  it('only the presets named run', async () => {
    const [out] = await run(redact({ presets: 'ipv4' }), [msg('a@b.io 1.2.3.4')]);
    expect(text(out)).toBe('a@b.io [REDACTED]');
  });

  it('a custom pattern masks each match; presets and pattern combine', async () => {
    const stage = redact({ pattern: 'order-[0-9]+|sku:[A-Z]+', presets: 'email' });
    const [out] = await run(stage, [msg('order-42 sku:ABC by x@y.org order-7')]);
    expect(text(out)).toBe('[REDACTED] [REDACTED] by [REDACTED] [REDACTED]');
  });

  it('a custom mask replaces the default', async () => {
    const [out] = await run(redact({ presets: 'ipv4', mask: '<ip>' }), [msg('from 8.8.8.8')]);
    expect(text(out)).toBe('from <ip>');
  });

  it('keeps a JSON text valid in text scope (presets never match quotes)', async () => {
    const body = '{"from":"a@b.io","ip":"10.1.2.3","auth":"Bearer xyz"}';
    const [out] = await run(redact({ presets: 'email,ipv4,bearer' }), [msg(body)]);
    expect(JSON.parse(text(out) as string)).toEqual({
      from: '[REDACTED]',
      ip: '[REDACTED]',
      auth: 'Bearer [REDACTED]',
    });
  });

  it('keeps bytes that are not UTF-8 as they were, around the masked part', async () => {
    const body = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' 10.0.0.1 '),
      Buffer.from([0x80]),
    ]);
    const [out] = await run(redact({ presets: 'ipv4' }), [msg(body)]);
    expect(Buffer.from((out as { body: Uint8Array }).body)).toEqual(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(' [REDACTED] '), Buffer.from([0x80])]),
    );
  });

  it('returns the input array itself when no message changed (the identity fast path)', async () => {
    const input = [msg('nothing here'), msg('nor here')];
    expect(await run(redact({ presets: 'email,ipv4,bearer,card' }), input)).toBe(input);
  });

  it('sets bodyLength of a changed message to its new length', async () => {
    const [out] = await run(redact({ presets: 'ipv4' }), [
      { body: Buffer.from('1.1.1.1'), bodyLength: 7 },
    ]);
    expect((out as { bodyLength: number }).bodyLength).toBe('[REDACTED]'.length);
  });
});

describe('redact: scope=json', () => {
  it('runs presets over every string and number value; keys are left alone', async () => {
    const stage = redact({ presets: 'email,card', scope: 'json' });
    const body = { 'a@b.io': 'mail c@d.io now', n: 4111111111111111, list: ['e@f.io', 3] };
    const [out] = await run(stage, [msg(JSON.stringify(body))]);
    expect(JSON.parse(text(out) as string)).toEqual({
      'a@b.io': 'mail [REDACTED] now',
      n: '[REDACTED]',
      list: ['[REDACTED]', 3],
    });
  });

  it('sees characters a JSON text escapes (text scope would not)', async () => {
    const body = '{"e":"ann\\u0040example.com"}';
    const [asText] = await run(redact({ presets: 'email' }), [msg(body)]);
    expect(text(asText)).toBe(body);
    const [asJson] = await run(redact({ presets: 'email', scope: 'json' }), [msg(body)]);
    expect(text(asJson)).toBe('{"e":"[REDACTED]"}');
  });

  it('fields and presets together: fields replaced whole, then the presets', async () => {
    const stage = redact({ fields: 'secret', presets: 'ipv4' });
    const [out] = await run(stage, [msg('{"secret":{"x":1},"msg":"from 1.2.3.4"}')]);
    expect(JSON.parse(text(out) as string)).toEqual({
      secret: '[REDACTED]',
      msg: 'from [REDACTED]',
    });
  });

  it('refuses a body that is not JSON with invalid-input naming scope=json', async () => {
    const [out] = await run(redact({ presets: 'email', scope: 'json' }), [msg('a@b.io')]);
    expect(text(out)).toMatch(/redact with `scope=json` needs a JSON body/);
  });
});

describe('redact: hmac_key', () => {
  it('replaces fields and matches with the first 32 hex of HMAC-SHA256, equal for equal values', async () => {
    const stage = redact({ fields: 'user.email,n', presets: 'ipv4', hmac_key: KEY });
    const [a, b] = await run(stage, [
      msg('{"user":{"email":"a@b.io"},"n":42,"ip":"from 10.0.0.1"}'),
      msg('{"user":{"email":"a@b.io"},"n":42,"ip":"from 10.0.0.2"}'),
    ]);
    const pa = JSON.parse(text(a) as string);
    const pb = JSON.parse(text(b) as string);
    expect(pa).toEqual({
      user: { email: token('a@b.io') },
      n: token('42'),
      ip: `from ${token('10.0.0.1')}`,
    });
    expect(pb.user.email).toBe(pa.user.email);
    expect(pb.ip).not.toBe(pa.ip);
  });

  it('tokens stay exact past the token cache (10 000 values): the first value again, recomputed', async () => {
    const stage = redact({ presets: 'ipv4', hmac_key: KEY });
    const ips = Array.from(
      { length: 12_000 },
      (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
    );
    const outs = await run(
      stage,
      [...ips, ips[0] as string].map((ip) => msg(ip)),
    );
    expect(outs.map(text)).toEqual([...ips, ips[0] as string].map(token));
  });

  it('a different key gives different tokens', async () => {
    const [a] = await run(redact({ presets: 'email', hmac_key: KEY }), [msg('a@b.io')]);
    const [b] = await run(redact({ presets: 'email', hmac_key: 'z'.repeat(32) }), [msg('a@b.io')]);
    expect(text(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(text(a)).not.toBe(text(b));
  });
});

describe('redact: bad settings (invalid-config naming stages.<id>.<setting>)', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['nothing to redact', {}, /`stages\.s1\.fields` is not set, nor `presets` nor `pattern`/],
    [
      'an unknown setting',
      { presets: 'email', masks: 'x' },
      /`stages\.s1\.masks` is not a setting of this stage/,
    ],
    [
      'an empty path segment',
      { fields: 'user..email' },
      /`stages\.s1\.fields` has a path with an empty segment: "user\.\.email"/,
    ],
    ['an empty list item', { fields: 'a,,b' }, /`stages\.s1\.fields` has an empty item/],
    [
      'an unknown preset',
      { presets: 'email,ssn' },
      /`stages\.s1\.presets` names an unknown preset "ssn"/,
    ],
    [
      'an invalid regex',
      { pattern: 'a(b' },
      /`stages\.s1\.pattern` is not a valid regular expression/,
    ],
    [
      'a regex matching the empty string',
      { pattern: 'x*' },
      /`stages\.s1\.pattern` matches the empty string/,
    ],
    [
      'a bad scope',
      { presets: 'email', scope: 'xml' },
      /`stages\.s1\.scope` must be one of text, json, got "xml"/,
    ],
    [
      'fields with scope=text',
      { fields: 'a', scope: 'text' },
      /`stages\.s1\.scope` is `text`, but `fields` needs a JSON body/,
    ],
    ['an empty mask', { presets: 'email', mask: '' }, /`stages\.s1\.mask` must be 1-64 characters/],
    [
      'a mask with a quote',
      { presets: 'email', mask: 'a"b' },
      /`stages\.s1\.mask` must be 1-64 characters without/,
    ],
    [
      'a mask over 64 characters',
      { presets: 'email', mask: 'x'.repeat(65) },
      /`stages\.s1\.mask` must be 1-64/,
    ],
    [
      'mask with hmac_key',
      { presets: 'email', mask: 'x', hmac_key: KEY },
      /`stages\.s1\.mask` is set together with `hmac_key`/,
    ],
    [
      'a short hmac_key',
      { presets: 'email', hmac_key: 'short-secret' },
      /`stages\.s1\.hmac_key` is shorter than 16 bytes/,
    ],
  ];
  for (const [what, settings, message] of cases) {
    it(what, () => {
      const e = thrown(() => redact(settings));
      expect(e.code).toBe('invalid-config');
      expect(e.message).toMatch(message);
      expect(e.message).toContain('(stage 1, id "s1")');
      expect(e.hint).toBeTruthy();
    });
  }

  it('never shows the hmac_key value in an error', () => {
    const e = thrown(() => redact({ presets: 'email', hmac_key: 'short-secret' }));
    expect(`${e.message} ${e.hint} ${JSON.stringify(e.details)}`).not.toContain('short-secret');
  });
});
