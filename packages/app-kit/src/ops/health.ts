import type { AdapterSnapshot, LoopSnapshot } from '@edgeplane/adapter-loop';

/** Default `/healthz` threshold: this many failures, across adapters with an open incident, in the last 60 s. */
export const DEFAULT_UNHEALTHY_FAILURES = 5;

/** Default `/healthz` failure window (`loop.healthFailureWindowMs`): an incident open this long is unhealthy. */
export const DEFAULT_HEALTH_FAILURE_WINDOW_MS = 60_000;

/** What makes `/healthz` answer 503 (see `healthOf`). */
export interface HealthPolicy {
  /** Failures in the last 60 s, summed over adapters whose incident is open; default 5. */
  readonly unhealthyFailures?: number | undefined;
  /** An adapter failing this long without recovering (`cause_at` older) is unhealthy; default 60000. */
  readonly failureWindowMs?: number | undefined;
}

/** A probe answer: HTTP status and its JSON body. */
export interface ProbeResult {
  readonly status: 200 | 503;
  readonly body: Readonly<Record<string, unknown>>;
}

const seconds = (ms: number): string =>
  `${(ms / 1000).toFixed(Math.round(ms) % 1000 === 0 ? 0 : 1)} s`;

/** Why one adapter makes the loop unhealthy, or null. */
function adapterProblem(a: AdapterSnapshot, windowMs: number, now: number): string | null {
  if (a.connection_state === 'stalled') {
    const since = a.stalled_since ?? a.last_error_at ?? '?';
    return `${a.name} is stalled since ${since}${a.last_error ? `: ${a.last_error}` : ''}`;
  }
  if (a.cause !== null && a.cause_at !== null) {
    const open = now - Date.parse(a.cause_at);
    if (open >= windowMs)
      return `${a.name} has been failing since ${a.cause_at} (${seconds(open)}, window ${seconds(windowMs)}) without recovering: ${a.cause}`;
  }
  return null;
}

/**
 * `/healthz`: 503 when the loop state is `failed`; when an adapter is `stalled`; when an adapter's
 * open incident (`cause_at`) is older than `failureWindowMs`; or when the `recent_failures` of the
 * adapters whose incident is still open add up to `unhealthyFailures` or more. An adapter that has
 * recovered (its `cause` cleared) no longer counts, so health returns to 200 as soon as it works
 * again. 200 otherwise. The body says why, and lists each adapter's incident.
 */
export function healthOf(
  snapshot: LoopSnapshot,
  policy: HealthPolicy = {},
  now: number = Date.now(),
): ProbeResult {
  const threshold = policy.unhealthyFailures ?? DEFAULT_UNHEALTHY_FAILURES;
  const windowMs = policy.failureWindowMs ?? DEFAULT_HEALTH_FAILURE_WINDOW_MS;
  const open = snapshot.adapters.filter(
    (a) => a.cause !== null || a.connection_state === 'stalled',
  );
  const recent = open.reduce((sum, a) => sum + a.recent_failures, 0);
  const base = {
    state: snapshot.state,
    recent_failures: recent,
    threshold,
    failure_window_ms: windowMs,
    adapters: snapshot.adapters.map((a) => ({
      name: a.name,
      connection_state: a.connection_state,
      recent_failures: a.recent_failures,
      cause: a.cause,
      cause_at: a.cause_at,
      stalled_since: a.stalled_since,
    })),
  };
  const unhealthy = (reason: string): ProbeResult => ({
    status: 503,
    body: { status: 'unhealthy', reason, ...base },
  });
  if (snapshot.state === 'failed')
    return unhealthy(`the loop has failed${snapshot.error ? `: ${snapshot.error}` : ''}`);
  const problems = snapshot.adapters
    .map((a) => adapterProblem(a, windowMs, now))
    .filter((p): p is string => p !== null);
  if (problems.length > 0) return unhealthy(problems.join('; '));
  if (recent >= threshold) {
    const which = open.map((a) => `${a.name} ${a.recent_failures}`).join(', ');
    return unhealthy(
      `${recent} failure(s) in the last 60 s of adapters still failing (${which}), threshold ${threshold}`,
    );
  }
  const reason =
    open.length > 0
      ? `failing for less than ${seconds(windowMs)}, failures below threshold: ${open.map((a) => `${a.name} since ${a.cause_at}`).join(', ')}`
      : 'no failed loop, no open incident';
  return { status: 200, body: { status: 'ok', reason, ...base } };
}

/** Since when an adapter has been in its (not ready) state, when the snapshot knows. */
const sinceOf = (a: AdapterSnapshot): string | null =>
  a.connection_state === 'stalled' ? (a.stalled_since ?? null) : a.cause_at;

/**
 * `/readyz`: 200 only when both adapters are `ready`; 503 otherwise (`connecting`, `reconnecting`,
 * `stalled`, `failed`, `closed`). The body lists each adapter's state, since when (a stall's
 * `stalled_since`, else the open incident's `cause_at`, when known) and its last error.
 */
export function readinessOf(snapshot: LoopSnapshot): ProbeResult {
  const adapters = snapshot.adapters.map((a) => ({
    name: a.name,
    role: a.role,
    connection_state: a.connection_state,
    since: a.connection_state === 'ready' ? null : sinceOf(a),
    last_error: a.last_error,
  }));
  const waiting = adapters.filter((a) => a.connection_state !== 'ready');
  if (waiting.length === 0) {
    return { status: 200, body: { ready: true, reason: 'both adapters are ready', adapters } };
  }
  const which = waiting.map(
    (a) => `${a.name} is ${a.connection_state}${a.since ? ` since ${a.since}` : ''}`,
  );
  return {
    status: 503,
    body: { ready: false, reason: `not ready: ${which.join(', ')}`, adapters },
  };
}
