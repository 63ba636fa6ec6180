import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import type { AdapterHealth } from '../health.js';
import type { Transport } from '../transport/types.js';

/** `<lanePath>/<role>`, the transport's private state directory, or undefined without a lane path. */
export function stateDirFor(
  lanePath: string | undefined,
  role: 'ingress' | 'egress',
): string | undefined {
  return lanePath ? join(lanePath, role) : undefined;
}

/** Opens a transport, keeping its health entry's connection state and failures current. */
export async function openAdapter(
  transport: Transport,
  health: AdapterHealth,
  stateDir: string | undefined,
  signal: AbortSignal,
): Promise<void> {
  health.state = 'connecting';
  try {
    await transport.open({
      signal,
      stateDir,
      role: health.role,
      onStateChange: (state, error) => {
        health.state = state;
        if (error) health.fail(error);
      },
    });
    health.state = 'ready';
  } catch (error) {
    const e = EdgeplaneError.from(error, `transport:${transport.name}`, 'unavailable');
    health.state = 'failed';
    health.fail(e);
    throw e;
  }
}
