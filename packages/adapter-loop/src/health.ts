import type { EdgeplaneError } from '@edgeplane/errors';
import { redactText } from './redact.js';
import type { AdapterSnapshot } from './snapshot/types.js';
import type { ConnectionState, LagReading } from './transport/types.js';

/** Window of `recent_failures`, in ms (reference decision 3: failures in the last 60 s). */
export const RECENT_FAILURE_WINDOW_MS = 60_000;

/** Live health of one adapter; `toSnapshot()` gives its snapshot entry. */
export class AdapterHealth {
  state: ConnectionState = 'connecting';
  messageCount = 0;
  lastError: string | null = null;
  lag: LagReading = { lag: null };
  private failures: number[] = [];

  constructor(
    readonly name: string,
    readonly role: 'ingress' | 'egress',
    readonly transport: string,
    private readonly secrets: readonly string[] = [],
    private readonly onFailure?: (event: {
      adapter: string;
      role: 'ingress' | 'egress';
      code: string;
    }) => void,
  ) {}

  /** Records a failure now (ms clock) and its redacted message. */
  fail(error: EdgeplaneError | Error, now: number = Date.now()): void {
    this.failures.push(now);
    this.lastError = redactText(error.message, this.secrets);
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
      lag: this.lag.lag,
    };
    return this.lag.unit && this.lag.unit !== 'messages'
      ? { ...entry, lag_unit: this.lag.unit }
      : entry;
  }
}
