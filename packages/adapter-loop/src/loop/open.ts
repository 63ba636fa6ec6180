import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import type { AdapterHealth } from '../health.js';
import type { AdapterRole } from '../snapshot/types.js';
import type { ConnectionState, GroupEvent, Transport } from '../transport/types.js';

/** Where an adapter's transport reports while open (the loop's handlers). */
export interface AdapterHooks {
  onState(health: AdapterHealth, state: ConnectionState, error: EdgeplaneError | undefined): void;
  onGroup(health: AdapterHealth, event: GroupEvent): void;
}

/** `<lanePath>/<role>`, the transport's private state directory, or undefined without a lane path. */
export function stateDirFor(lanePath: string | undefined, role: AdapterRole): string | undefined {
  return lanePath ? join(lanePath, role) : undefined;
}

/**
 * The dead letter's error names it (`dead letter "x" (dead_letter.*): ...`): its transport is
 * often the egress's too, and the operator must know which binding to fix.
 */
function named(health: AdapterHealth, e: EdgeplaneError): EdgeplaneError {
  if (health.role !== 'dead_letter') return e;
  return new EdgeplaneError(
    e.code,
    'adapter-loop',
    `dead letter "${health.name}" (dead_letter.* in the adapter config): ${e.message}`,
    { cause: e, hint: e.hint, details: e.details },
  );
}

/** Opens a transport, keeping its health entry's connection state and failures current. */
export async function openAdapter(
  transport: Transport,
  health: AdapterHealth,
  stateDir: string | undefined,
  signal: AbortSignal,
  hooks?: AdapterHooks,
): Promise<void> {
  health.state = 'connecting';
  health.openingSince = Date.now();
  try {
    await transport.open({
      signal,
      stateDir,
      role: health.role === 'ingress' ? 'ingress' : 'egress',
      onStateChange: (state, error) => {
        if (hooks) hooks.onState(health, state, error);
        else {
          health.state = state;
          if (error) health.fail(error);
        }
      },
      onGroupEvent: (event) => {
        if (hooks) hooks.onGroup(health, event);
        else health.groupEvent(event);
      },
    });
    // An open that finishes after the loop gave up on it (the other side failed, or a stop) is
    // not a ready adapter: the loop closes it.
    health.report(signal.aborted ? 'closed' : 'ready');
    health.openingSince = undefined;
  } catch (error) {
    health.openingSince = undefined;
    const e = named(
      health,
      EdgeplaneError.from(error, `transport:${transport.name}`, 'unavailable'),
    );
    if (signal.aborted) {
      // Cancelled because the other side failed or the run was stopped: a consequence, not a
      // cause. Neither a failure of this adapter nor its incident.
      health.report('closed');
      throw e;
    }
    health.report('failed');
    // Counted once: a transport may have reported this very error through onStateChange already.
    if (!health.isLastError(e)) health.fail(e);
    throw e;
  }
}

/**
 * Opens both sides at once; rejects as soon as either fails, or with `reason()` as soon as
 * `signal` aborts (a transport stuck in `open()` does not hold up `stop()`).
 */
export async function openBoth(
  sides: readonly { readonly transport: Transport; readonly health: AdapterHealth }[],
  lanePath: string | undefined,
  signal: AbortSignal,
  reason: () => EdgeplaneError,
  hooks?: AdapterHooks,
): Promise<void> {
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(reason());
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  const opening = sides.map(({ transport, health }) =>
    openAdapter(transport, health, stateDirFor(lanePath, health.role), signal, hooks),
  );
  await Promise.race([aborted, Promise.all(opening)]);
}
