import type { OutboundMessage } from '@edgeplane/adapter-loop/transport';
import { expect } from 'vitest';
import {
  binaryBody,
  bodyText,
  diffBytes,
  emptyBody,
  KEYS,
  LARGE_BODY_BYTES,
  largeBody,
  numbered,
  text,
  UNICODE_HEADERS,
} from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

const MANY = 20_000;

/** Bytes, keys and headers come back exactly as sent. */
export function roundTrip<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const pair = needsPair(declares);
  const framing = `framing: '${declares.framing}'`;

  /** Seeds `sent`, drains as many, and returns them in arrival order. */
  const roundTripAll = async (sent: readonly OutboundMessage[], batchSize?: number) => {
    const { source } = await ctx.pair();
    await ctx.seed(sent, batchSize);
    const { messages } = await ctx.drain(source, { count: sent.length });
    expect(messages).toHaveLength(sent.length);
    return messages;
  };

  check(ctx, 'round-trips an empty body', pair, async () => {
    const [got] = await roundTripAll([{ body: emptyBody() }]);
    expect(got?.body.byteLength).toBe(0);
  });

  check(ctx, `round-trips non-UTF-8 bytes unchanged (${framing})`, pair, async () => {
    const body = binaryBody(declares.framing);
    const pristine = body.slice();
    const [got] = await roundTripAll([{ body }]);
    expect(got && diffBytes(got.body, pristine)).toBeUndefined();
    expect(
      diffBytes(body, pristine),
      'send() must not mutate the message it was given',
    ).toBeUndefined();
  });

  const largeSize = Math.min(LARGE_BODY_BYTES, declares.maxBodyBytes ?? LARGE_BODY_BYTES);
  check(ctx, `round-trips a ${largeSize}-byte body`, pair, async () => {
    const body = largeBody(largeSize, declares.framing);
    const [got] = await roundTripAll([{ body }, { body: text('after the large one') }]);
    expect(got && diffBytes(got.body, body)).toBeUndefined();
  });

  check(ctx, `round-trips ${MANY} messages with distinct ids`, pair, async () => {
    const sent = numbered(MANY);
    const got = await roundTripAll(sent, 2_000);
    const want = sent.map((m) => bodyText(m.body));
    const bodies = got.map((m) => bodyText(m.body));
    expect(declares.ordering === 'none' ? bodies.sort() : bodies).toEqual(want);
    const ids = new Set(got.map((m) => m.id));
    expect(ids.size, 'every message needs its own id').toBe(MANY);
    for (const id of ids) expect(typeof id === 'string' && id.length > 0).toBe(true);
  });

  check(ctx, 'messages received carry a string id and, with replay, a position', pair, async () => {
    const [got] = await roundTripAll([{ body: text('ids') }]);
    expect(typeof got?.id).toBe('string');
    if (declares.replay) expect(typeof got?.position).toBe('string');
  });

  check(
    ctx,
    'round-trips keys',
    firstSkip(pair, declares.keys ? undefined : 'keys: false'),
    async () => {
      const sent = KEYS.map((key, i) => ({ key, body: text(`keyed-${i}`) }));
      const got = await roundTripAll(sent);
      const byBody = new Map(got.map((m) => [bodyText(m.body), m.key]));
      for (const m of sent) expect(byBody.get(bodyText(m.body))).toBe(m.key);
    },
  );

  check(
    ctx,
    'round-trips unicode headers',
    firstSkip(pair, declares.headers ? undefined : 'headers: false'),
    async () => {
      const sent = [
        { headers: UNICODE_HEADERS, body: text('with headers') },
        { headers: {}, body: text('without headers') },
      ];
      const got = await roundTripAll(sent);
      const byBody = new Map(got.map((m) => [bodyText(m.body), m.headers ?? {}]));
      expect(byBody.get('with headers')).toEqual(UNICODE_HEADERS);
      expect(byBody.get('without headers')).toEqual({});
    },
  );
}
