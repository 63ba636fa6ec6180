import type { GroupEvent } from '@edgeplane/adapter-loop/transport';
import type { Consumer } from '@platformatic/kafka';
import type { GroupMembership } from './group.js';
import { type Inbox, sleep } from './inbox.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { ConnectionTracker } from './state.js';

/** What the client's membership events drive. */
export interface MemberContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly group: GroupMembership;
  readonly inbox: Inbox;
  /** Aborts on `close()`. */
  readonly signal: AbortSignal;
  /** The source's current client (rejoins stop once it is another one, or none). */
  consumer(): Consumer | undefined;
  /** Reports a failed heartbeat or rejoin (`reconnecting`, with the error). */
  lost(error: unknown, what: string): void;
  /** Reports an assignment or a revocation (`OpenContext.onGroupEvent`) and logs it. */
  groupEvent(event: GroupEvent): void;
  /**
   * After every join: a topic deleted mid-run leaves this member with nothing of it assigned and
   * nothing to fetch, so the topics are checked here too (see `Fetcher.verify`).
   */
  joined(): void;
}

const names = (states: readonly { topic: string; partition: number }[]): string[] =>
  states.map((s) => `${s.topic}/${s.partition}`).sort();

/**
 * Follows the client's group membership: every join (the first, and each rejoin the group asks
 * for) becomes the member's assignment, heartbeats mark the brokers answering. When a rejoin fails
 * (the brokers stayed away), the client stops heartbeating, so the member is as good as gone:
 * everything is revoked, and this joins again, with backoff, until the brokers are back.
 */
export function followMembership(consumer: Consumer, ctx: MemberContext): void {
  const { group, inbox, tracker, signal, options: o } = ctx;
  let rejoining = false;
  const rejoin = async () => {
    if (rejoining) return;
    rejoining = true;
    for (let attempt = 0; !signal.aborted && ctx.consumer() === consumer; attempt++) {
      await sleep(Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** attempt), signal);
      if (signal.aborted) break;
      try {
        await consumer.joinGroup({});
        break;
      } catch (error) {
        ctx.lost(error, 'rejoin the group for');
      }
    }
    rejoining = false;
  };
  consumer.on('consumer:group:join', (event) => {
    const { memberId, assignments } = event;
    const { generationId, isLeader } = event as { generationId?: number; isLeader?: boolean };
    const before = names(group.owned());
    group.join(memberId, assignments ?? []);
    inbox.dropStale();
    tracker.ok();
    const now = names(group.owned());
    const detail = `group ${o.groupId}, generation ${generationId ?? '?'}, member ${memberId}${isLeader ? ' (leader)' : ''}`;
    const gone = before.filter((p) => !now.includes(p));
    if (gone.length > 0) ctx.groupEvent({ type: 'revoked', partitions: gone, detail });
    ctx.groupEvent({ type: 'assigned', partitions: now, detail });
    ctx.joined();
  });
  consumer.on('consumer:heartbeat:end', () => tracker.ok());
  consumer.on('consumer:heartbeat:error', ({ error }) => ctx.lost(error, 'heartbeat for'));
  consumer.on('error', (error: Error) => {
    const held = names(group.owned());
    group.revokeAll();
    if (held.length > 0) {
      ctx.groupEvent({
        type: 'revoked',
        partitions: held,
        detail: `group ${o.groupId}: membership lost (${error.message}); rejoining`,
      });
    }
    inbox.dropStale();
    ctx.lost(error, 'rejoin the group for');
    void rejoin();
  });
}
