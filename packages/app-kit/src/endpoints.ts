import { EdgeplaneError, redactText } from '@edgeplane/adapter-loop';
import type { TransportCheck } from '@edgeplane/adapter-loop/transport';
import type { Deployment, ResolvedBinding } from './deployment.js';

/** One endpoint check of `edgeplane doctor`: a transport's `check()` result, with its adapter. */
export interface EndpointCheck extends TransportCheck {
  readonly scope: 'endpoint';
  /** The binding's `name`, else `<transport>-<role>` (as in the snapshot). */
  readonly adapter: string;
  /** `dead_letter`: the `dead_letter.*` binding, checked as an egress. */
  readonly role: 'ingress' | 'egress' | 'dead_letter';
  readonly transport: string;
}

/** Options of `checkEndpoints`. */
export interface CheckEndpointsOptions {
  /** Budget of each transport's checks, in ms (doctor's `--timeout-ms`, default 5000). */
  readonly timeoutMs: number;
  /** Aborts every check (Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * How long a transport may still take after its signal aborted (at `timeoutMs`) to return what it
 * found, in ms: the contract's "stop within 1 s" (docs/authoring-a-transport.md, rule 6).
 */
export const CHECK_GRACE_MS = 1000;

const STATUSES: ReadonlySet<string> = new Set(['ok', 'warn', 'fail', 'skip']);

function sideOf(role: EndpointCheck['role'], b: ResolvedBinding) {
  return {
    scope: 'endpoint',
    adapter: b.name ?? `${b.descriptor.name}-${role === 'dead_letter' ? 'dead-letter' : role}`,
    role,
    transport: b.descriptor.name,
  } as const;
}

/** A transport's results, kept to the contract's shape (a third-party one may stray). */
function normalise(c: TransportCheck): TransportCheck {
  return {
    name: String(c.name),
    status: STATUSES.has(c.status) ? c.status : 'warn',
    detail: String(c.detail ?? ''),
    ...(c.fix !== undefined ? { fix: String(c.fix) } : {}),
    ...(typeof c.durationMs === 'number' ? { durationMs: c.durationMs } : {}),
  };
}

async function checkSide(
  role: EndpointCheck['role'],
  b: ResolvedBinding,
  options: CheckEndpointsOptions,
): Promise<EndpointCheck[]> {
  const side = sideOf(role, b);
  const { transport } = b;
  if (!transport.check)
    return [
      {
        ...side,
        name: 'check',
        status: 'warn',
        detail: `transport ${side.transport} does not check its endpoint`,
        fix: 'install a version of the transport with check(), or check the endpoint by hand',
      },
    ];
  const { timeoutMs } = options;
  const controller = new AbortController();
  const abort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) abort();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  let backstop: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    backstop = setTimeout(() => resolve('late'), timeoutMs + CHECK_GRACE_MS);
  });
  try {
    const got = await Promise.race([
      transport.check({
        role: role === 'ingress' ? 'ingress' : 'egress',
        signal: controller.signal,
        timeoutMs,
      }),
      late,
    ]);
    if (got === 'late')
      return [
        {
          ...side,
          name: 'check',
          status: 'fail',
          detail: `no answer within ${timeoutMs} ms`,
          fix: 'the endpoint (or the transport) did not answer in time: check it, or raise --timeout-ms',
          durationMs: timeoutMs,
        },
      ];
    return got.map((c) => ({ ...side, ...normalise(c) }));
  } catch (error) {
    const e = EdgeplaneError.from(error, `transport:${side.transport}`);
    return [
      {
        ...side,
        name: 'check',
        status: 'fail',
        detail: e.message,
        fix: e.hint ?? `the transport's check() failed: see docs/transports/${side.transport}.md`,
      },
    ];
  } finally {
    clearTimeout(timer);
    clearTimeout(backstop);
    options.signal?.removeEventListener('abort', abort);
  }
}

/**
 * Checks the endpoints of a deployment for `edgeplane doctor`: calls `check({ role, signal,
 * timeoutMs })` of the ingress, the egress and the dead-letter transport (when the config has one,
 * checked as an egress) at once. Each is bounded by
 * `timeoutMs`: its signal aborts then (reason: a `TimeoutError` DOMException), and a transport
 * that has still not answered `CHECK_GRACE_MS` later is one `fail` ("no answer within N ms").
 * A `check()` that throws is one `fail` with the error's message and hint; a transport without
 * `check()` one `warn`. Every detail and fix is redacted with the deployment's secrets. Both
 * transports (created, never opened) are closed afterwards: load the deployment again to run it.
 * @returns the ingress's checks, then the egress's, then the dead letter's; never throws.
 */
export async function checkEndpoints(
  deployment: Pick<Deployment, 'ingress' | 'egress' | 'secrets'> &
    Partial<Pick<Deployment, 'deadLetter'>>,
  options: CheckEndpointsOptions,
): Promise<EndpointCheck[]> {
  const { ingress, egress, deadLetter, secrets } = deployment;
  const results = await Promise.all([
    checkSide('ingress', ingress, options),
    checkSide('egress', egress, options),
    ...(deadLetter ? [checkSide('dead_letter', deadLetter, options)] : []),
  ]);
  await Promise.allSettled([
    ingress.transport.close(),
    egress.transport.close(),
    deadLetter?.transport.close(),
  ]);
  return results.flat().map((c) => ({
    ...c,
    detail: redactText(c.detail, secrets),
    ...(c.fix !== undefined ? { fix: redactText(c.fix, secrets) } : {}),
  }));
}
