import type { EdgeplaneError } from '@edgeplane/errors';
import { redactText } from './redact.js';
import type { AdapterRole, AdapterSnapshot, GroupSnapshot } from './snapshot/types.js';
import type { ConnectionState, GroupEvent, LagReading } from './transport/types.js';

/** Window of `recent_failures`, in ms (reference decision 3: failures in the last 60 s). */
export const RECENT_FAILURE_WINDOW_MS = 60_000;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Live health of one adapter; `toSnapshot()` gives its snapshot entry. An incident opens with
 * the first failure (its `cause`, kept however many follow-up errors come) and closes when the
 * loop reports the adapter recovered (`recover()`): both errors are then cleared.
 */
export class AdapterHealth {
  state: ConnectionState = 'connecting';
  messageCount = 0;
  lastError: string | null = null;
  lag: LagReading = { lag: null };
  /** When its transport's `open()` began (ms clock), while that open is in progress; else undefined. */
  openingSince: number | undefined;
  private lastErrorAt: number | null = null;
  private cause: string | null = null;
  private causeAt: number | null = null;
  private stalledSince: number | null = null;
  private beforeStall: ConnectionState = 'ready';
  private failures: number[] = [];
  private group: { rebalances: number; assignment: readonly string[]; claims: number } | undefined;

  constructor(
    readonly name: string,
    readonly role: AdapterRole,
    readonly transport: string,
    private readonly secrets: readonly string[] = [],
    private readonly onFailure?: (event: {
      adapter: string;
      role: AdapterRole;
      code: string;
    }) => void,
  ) {}

  /** The open incident's first error (redacted) and when it happened (ms), or null. */
  get incident(): { readonly cause: string; readonly at: number } | null {
    return this.cause === null || this.causeAt === null
      ? null
      : { cause: this.cause, at: this.causeAt };
  }

  /** Records a failure now (ms clock) and its redacted message; the first one of an incident is its cause. */
  fail(error: EdgeplaneError | Error, now: number = Date.now()): void {
    this.failures.push(now);
    this.lastError = redactText(error.message, this.secrets);
    this.lastErrorAt = now;
    if (this.cause === null) {
      this.cause = this.lastError;
      this.causeAt = now;
    }
    this.prune(now);
    try {
      this.onFailure?.({
        adapter: this.name,
        role: this.role,
        code: 'code' in error ? String(error.code) : 'internal',
      });
    } catch {
      // a metrics hook never breaks the loop
    }
  }

  /** True when `error` is the failure recorded last (same redacted message). */
  isLastError(error: EdgeplaneError | Error): boolean {
    return this.lastError !== null && this.lastError === redactText(error.message, this.secrets);
  }

  /** The adapter works again (a send, an ack or a reconnect succeeded): closes the incident. */
  recover(): void {
    if (this.cause === null && this.lastError === null) return;
    this.cause = null;
    this.causeAt = null;
    this.lastError = null;
    this.lastErrorAt = null;
  }

  /** Marks the adapter stalled since `since` (ms) with a message saying what is outstanding. */
  stall(since: number, what: string, now: number = Date.now()): void {
    // A failed or closed adapter is not waiting for an answer any more: its error stays last.
    if (this.stalledSince !== null || this.state === 'failed' || this.state === 'closed') return;
    this.beforeStall = this.state;
    this.stalledSince = since;
    this.state = 'stalled';
    const opensIncident = this.cause === null;
    this.fail(new Error(what), now);
    // The incident began when the work did, not when the watchdog noticed.
    if (opensIncident) this.causeAt = since;
  }

  /**
   * A connection state the transport reported. While stalled, it becomes the state the adapter
   * returns to when the stall ends (a stall is the loop's verdict and outranks it until then).
   */
  report(state: ConnectionState): void {
    if (this.stalledSince !== null && state !== 'failed' && state !== 'closed')
      this.beforeStall = state;
    else {
      if (this.stalledSince !== null) this.stalledSince = null;
      this.state = state;
    }
  }

  /** The outstanding work was answered: back to the state before the stall. */
  unstall(): void {
    if (this.stalledSince === null) return;
    this.stalledSince = null;
    if (this.state === 'stalled') this.state = this.beforeStall;
  }

  /** Records a consumer-group membership change. */
  groupEvent(event: GroupEvent): void {
    const g = this.group ?? { rebalances: 0, assignment: [], claims: 0 };
    if (event.type === 'assigned')
      this.group = { ...g, rebalances: g.rebalances + 1, assignment: [...event.partitions] };
    else if (event.type === 'revoked')
      this.group = {
        ...g,
        assignment: g.assignment.filter((p) => !event.partitions.includes(p)),
      };
    else this.group = { ...g, claims: g.claims + 1 };
  }

  recentFailures(now: number = Date.now()): number {
    this.prune(now);
    return this.failures.length;
  }

  private prune(now: number): void {
    const from = now - RECENT_FAILURE_WINDOW_MS;
    let i = 0;
    while (i < this.failures.length && (this.failures[i] ?? 0) < from) i++;
    if (i > 0) this.failures = this.failures.slice(i);
  }

  toSnapshot(now: number = Date.now()): AdapterSnapshot {
    const entry: AdapterSnapshot = {
      name: this.name,
      role: this.role,
      transport: this.transport,
      connection_state: this.state,
      message_count: this.messageCount,
      recent_failures: this.recentFailures(now),
      last_error: this.lastError,
      last_error_at: iso(this.lastErrorAt),
      cause: this.cause,
      cause_at: iso(this.causeAt),
      stalled_since: iso(this.stalledSince),
      lag: this.lag.lag,
    };
    const withUnit =
      this.lag.unit && this.lag.unit !== 'messages' ? { ...entry, lag_unit: this.lag.unit } : entry;
    const group: GroupSnapshot | undefined = this.group;
    return group ? { ...withUnit, group } : withUnit;
  }
}
