import { expect } from 'vitest';
import { bodyText, numbered, text } from '../fixtures.js';
import { check, firstSkip, needsPair } from '../register.js';
import type { ConformanceContext } from '../types.js';

const N = 30;

/** `receive({ from: position })` resumes right after that position. */
export function replay<S>(ctx: ConformanceContext<S>): void {
  const { declares } = ctx.options;
  const skip = firstSkip(needsPair(declares), declares.replay ? undefined : 'replay: false');
  const ordered = declares.ordering === 'total';
  const texts = (messages: readonly { body: Uint8Array }[]) => {
    const list = messages.map((m) => bodyText(m.body));
    return ordered ? list : list.sort();
  };

  check(ctx, 'every message carries a distinct position', skip, async () => {
    const { source } = await ctx.pair();
    await ctx.seed(numbered(N));
    const { messages } = await ctx.drain(source, { count: N });
    const positions = messages.map((m) => m.position);
    for (const p of positions)
      expect(typeof p === 'string' && p.length > 0, `position ${p}`).toBe(true);
    expect(new Set(positions).size).toBe(positions.length);
  });

  check(ctx, 'receive({ from: position }) resumes right after that message', skip, async () => {
    const { source } = await ctx.pair();
    const sent = numbered(N);
    await ctx.seed(sent);
    const all = await ctx.drain(source, { count: N });
    const from = all.messages[9]?.position;
    const rest = await ctx.drain(source, { count: N - 10, from });
    expect(texts(rest.messages.slice(0, N - 10))).toEqual(texts(sent.slice(10)));
  });

  check(ctx, 'replay reaches acknowledged messages, from a new instance too', skip, async () => {
    const { source } = await ctx.pair();
    const sent = numbered(N);
    await ctx.seed(sent);
    const all = await ctx.drain(source, { count: N, ack: true });
    await source.close();
    const from = all.messages[4]?.position;
    const rest = await ctx.drain(await ctx.open('source'), { count: N - 5, from });
    expect(texts(rest.messages.slice(0, N - 5))).toEqual(texts(sent.slice(5)));
  });

  check(ctx, 'receive({ from: last position }) yields only what came after it', skip, async () => {
    const { source } = await ctx.pair();
    await ctx.seed(numbered(N));
    const all = await ctx.drain(source, { count: N });
    await ctx.seed([{ body: text('later') }]);
    const from = all.messages[N - 1]?.position;
    const { messages } = await ctx.drain(source, { count: 1, from });
    expect(bodyText(messages[0]?.body ?? new Uint8Array())).toBe('later');
  });
}
