import { EdgeplaneError } from '@edgeplane/errors';
import type { TransportCheck } from './types.js';

/**
 * One check result. `startedAt` is a `performance.now()` reading taken before the probe; the
 * result's `durationMs` is the time since then, in ms, rounded to 0.1 ms.
 */
export function checkResult(
  name: string,
  status: TransportCheck['status'],
  detail: string,
  options: { readonly fix?: string | undefined; readonly startedAt?: number | undefined } = {},
): TransportCheck {
  const durationMs =
    options.startedAt === undefined
      ? undefined
      : Math.round((performance.now() - options.startedAt) * 10) / 10;
  return {
    name,
    status,
    detail,
    ...(options.fix !== undefined && status !== 'ok' ? { fix: options.fix } : {}),
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

/**
 * A failed check from an error a probe threw: the detail is the error's message (an
 * `EdgeplaneError`'s, already free of secrets) and the fix its hint, or `fix` when given.
 */
export function checkFailed(
  name: string,
  error: unknown,
  component: string,
  options: { readonly fix?: string | undefined; readonly startedAt?: number | undefined } = {},
): TransportCheck {
  const e = EdgeplaneError.from(error, component);
  return checkResult(name, 'fail', e.message, {
    fix: options.fix ?? e.hint ?? 'see the transport page in docs/transports/',
    startedAt: options.startedAt,
  });
}

/** A check that was not run because an earlier one failed (`reason` says which). */
export function checkSkipped(name: string, reason: string): TransportCheck {
  return { name, status: 'skip', detail: `not checked: ${reason}` };
}
