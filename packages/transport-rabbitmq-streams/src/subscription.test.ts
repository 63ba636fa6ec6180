import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';
import { describe, expect, it, vi } from 'vitest';
import type { Session } from './session.js';
import { Subscription } from './subscription.js';

type Handle = (m: Message) => void;
interface Policy {
  onSubscription(): number;
  onChunkCompleted(grant: (n: number) => Promise<void>): Promise<void>;
}

/** A session whose `subscribe` hands back the message handler and the credit policy. */
function fakeSession() {
  const captured: { handle?: Handle; policy?: Policy } = {};
  const session = {
    lost: false,
    subscribe: vi.fn(async (_offset: unknown, policy: Policy, handle: Handle) => {
      captured.handle = handle;
      captured.policy = policy;
      return { extendedId: '0@c' };
    }),
    unsubscribe: vi.fn(async () => {}),
  };
  return { session: session as unknown as Session, captured };
}

const msg = (offset: bigint): Message => ({ content: Buffer.from(String(offset)), offset });
const tick = () => new Promise((r) => setImmediate(r));

describe('Subscription', () => {
  it('puts messages of interleaved chunks back in offset order, dropping those before the start', async () => {
    const { session, captured } = fakeSession();
    const sub = new Subscription(session, 10n, 100, 4);
    await sub.open();
    const handle = captured.handle as Handle;
    // Two chunks decoded from one socket read: the client's async handlers interleave them.
    for (const o of [8n, 20n, 9n, 21n, 10n, 22n, 11n]) handle(msg(o));
    expect(sub.take(100)).toEqual([]); // nothing before the read's handlers have all run
    await tick();
    expect(sub.take(3).map((m) => m.offset)).toEqual([10n, 11n, 20n]);
    expect(sub.position()).toBe(21n);
    expect(sub.isAt(21n)).toBe(true);
    expect(sub.take(100).map((m) => m.offset)).toEqual([21n, 22n]);
    expect(sub.highest).toBe(22n);
  });

  it('gives credits back only while the buffer has room', async () => {
    const { session, captured } = fakeSession();
    const sub = new Subscription(session, 'first', 2, 3);
    await sub.open();
    const policy = captured.policy as Policy;
    expect(policy.onSubscription()).toBe(3);
    const grant = vi.fn(async () => {});
    (captured.handle as Handle)(msg(0n));
    (captured.handle as Handle)(msg(1n));
    await tick();
    await policy.onChunkCompleted(grant); // buffer full (2): owed
    expect(grant).not.toHaveBeenCalled();
    sub.take(1);
    expect(grant).toHaveBeenCalledWith(1);
    expect(sub.isAt('first')).toBe(false);
  });

  it('after close it takes nothing and unsubscribes once', async () => {
    const { session, captured } = fakeSession();
    const sub = new Subscription(session, 0n, 10, 1);
    await sub.open();
    (captured.handle as Handle)(msg(0n));
    await sub.close();
    await sub.close();
    await tick();
    expect(sub.take(10)).toEqual([]);
    expect(session.unsubscribe).toHaveBeenCalledTimes(1);
  });
});
