import type { TransportCapabilities } from '@edgeplane/adapter-loop/transport';
import { it } from 'vitest';
import { DEFAULT_TIMEOUT_MS } from './context.js';
import type { ConformanceContext } from './types.js';

/**
 * Registers one conformance test. `skip` is `undefined` to run it, or the declaration that
 * rules it out (`keys: false`), which then appears in the test name: skips come only from
 * declared capabilities, and say which.
 */
export function check<S>(
  ctx: ConformanceContext<S>,
  title: string,
  skip: string | undefined,
  fn: () => Promise<void>,
): void {
  const name = skip === undefined ? title : `${title} (skipped: ${skip} declared)`;
  it.skipIf(skip !== undefined)(name, { timeout: ctx.options.timeoutMs ?? DEFAULT_TIMEOUT_MS }, fn);
}

/** The skip reason for cases that seed through the sink and read back through the source. */
export function needsPair(declares: TransportCapabilities): string | undefined {
  if (!declares.source) return 'source: false';
  if (!declares.sink) return 'sink: false';
  return undefined;
}

/** The first skip reason of several, or `undefined` when none applies. */
export function firstSkip(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined);
}
