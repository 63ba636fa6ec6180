import type { EdgeplaneError } from '@edgeplane/errors';
import type { AdapterHealth } from '../health.js';
import { redactText } from '../redact.js';
import type { ConnectionState, GroupEvent } from '../transport/types.js';
import type { AdapterEvent } from './options.js';

/**
 * What happens to the adapters between messages: connection states reported by the transports,
 * consumer-group changes, recoveries — kept in each adapter's health and told to
 * `onAdapterEvent` (one redacted line each). A reconnect refused for good stops the run.
 */
export class Incidents {
  /** Set once the transports are being closed: what they report then is not an incident. */
  closing = false;

  constructor(
    private readonly hook: ((event: AdapterEvent) => void) | undefined,
    private readonly secrets: readonly string[],
    /** Stops the run with a permanent error reported while running. */
    private readonly stopOnPermanent: (error: EdgeplaneError) => void,
  ) {}

  /** A connection-state change reported by a transport. */
  onState(health: AdapterHealth, state: ConnectionState, error: EdgeplaneError | undefined): void {
    if (this.closing) return;
    const was = health.state;
    health.report(state);
    if (error) health.fail(error);
    if (state !== was) {
      const why = error ? `: ${error.message}` : '';
      const still = health.state === 'stalled' ? ' (still stalled)' : '';
      this.emit(health, 'state', `${was} -> ${state}${still}${why}`, state);
    }
    if (state === 'ready' && was !== 'ready' && was !== 'connecting') this.recovered(health);
    // A reconnect refused for good (credentials, permissions) ends the run, sends pending or not.
    if (state === 'failed' && error && !error.retryable) this.stopOnPermanent(error);
  }

  /** A consumer-group membership change of a source. */
  onGroup(health: AdapterHealth, event: GroupEvent): void {
    health.groupEvent(event);
    const detail = event.detail ? ` (${event.detail})` : '';
    const what = event.partitions.join(', ') || '(none)';
    this.emit(health, 'group', `${event.type} ${what}${detail}`);
  }

  /** The adapter works again: close its incident (`cause`, `last_error`) and say so once. */
  recovered(health: AdapterHealth): void {
    const incident = health.incident;
    if (!incident) return;
    health.recover();
    const seconds = ((Date.now() - incident.at) / 1000).toFixed(1);
    this.emit(
      health,
      'recovered',
      `recovered after ${seconds} s; the cause was: ${incident.cause}`,
    );
  }

  /** Tells `onAdapterEvent`; a throwing hook is ignored. */
  emit(health: AdapterHealth, kind: AdapterEvent['kind'], message: string, state?: string): void {
    if (!this.hook) return;
    try {
      this.hook({
        adapter: health.name,
        role: health.role,
        kind,
        state,
        message: redactText(message, this.secrets),
      });
    } catch {
      // a log hook never breaks the loop
    }
  }
}
