import type { LoopSnapshot } from '@edgeplane/adapter-loop';

/** Default `/healthz` threshold: this many failures across both adapters in the last 60 s. */
export const DEFAULT_UNHEALTHY_FAILURES = 5;

/** A probe answer: HTTP status and its JSON body. */
export interface ProbeResult {
  readonly status: 200 | 503;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * `/healthz`: 503 when the loop state is `failed`, or when the adapters' `recent_failures` (failures
 * in the last 60 s) add up to `threshold` or more; 200 otherwise. The body says why.
 */
export function healthOf(snapshot: LoopSnapshot, threshold: number): ProbeResult {
  const recent = snapshot.adapters.reduce((sum, a) => sum + a.recent_failures, 0);
  const base = { state: snapshot.state, recent_failures: recent, threshold };
  if (snapshot.state === 'failed') {
    return { status: 503, body: { status: 'unhealthy', reason: 'the loop has failed', ...base } };
  }
  if (recent >= threshold) {
    const which = snapshot.adapters
      .filter((a) => a.recent_failures > 0)
      .map((a) => `${a.name} ${a.recent_failures}`)
      .join(', ');
    const reason = `${recent} adapter failure(s) in the last 60 s (${which}), threshold ${threshold}`;
    return { status: 503, body: { status: 'unhealthy', reason, ...base } };
  }
  return {
    status: 200,
    body: { status: 'ok', reason: 'no failed loop, failures below threshold', ...base },
  };
}

/** `/readyz`: 200 only when both adapters are `ready`; the body lists each adapter's state. */
export function readinessOf(snapshot: LoopSnapshot): ProbeResult {
  const adapters = snapshot.adapters.map((a) => ({
    name: a.name,
    role: a.role,
    connection_state: a.connection_state,
  }));
  const waiting = adapters.filter((a) => a.connection_state !== 'ready');
  if (waiting.length === 0) {
    return { status: 200, body: { ready: true, reason: 'both adapters are ready', adapters } };
  }
  const reason = `not ready: ${waiting.map((a) => `${a.name} is ${a.connection_state}`).join(', ')}`;
  return { status: 503, body: { ready: false, reason, adapters } };
}
