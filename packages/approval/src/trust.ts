import type { EdgeplaneError } from '@edgeplane/errors';
import { mergeKeySets } from './key-set.js';
import { refreshKeySet } from './refresh.js';
import type { JwkSet, KeySource } from './types.js';

/** The three variables that enable the control-plane refresh (reference section 6). */
export const TRUST_ENV_VARS: readonly string[] = [
  'BYTEOR_API_BASE_URL',
  'BYTEOR_AGENT_ID',
  'BYTEOR_AGENT_API_KEY',
];

/** Inputs of `resolveTrust`. */
export interface ResolveTrustOptions {
  /** The local trust cache, e.g. `discoverApprovalMaterial(...).keySet`. */
  readonly localKeySet: JwkSet;
  /** Environment to read `BYTEOR_*` from; empty strings count as unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  /** Refresh time budget in ms; default 5000. */
  readonly timeoutMs?: number;
}

/** The key set to verify with, where it came from and why, for the audit. */
export interface TrustResolution {
  readonly keySet: JwkSet;
  readonly keySource: KeySource;
  /**
   * `refreshed`: control-plane keys merged over the local cache; `failed`: the refresh failed and
   * the local cache is used; `not-configured`: none of the variables is set;
   * `partially-configured`: some are set (see `missingVariables`), refresh skipped.
   */
  readonly refresh: 'refreshed' | 'failed' | 'not-configured' | 'partially-configured';
  /** One line for logs and the audit; never contains the API key. */
  readonly reason: string;
  /** Names of the `BYTEOR_*` variables that are unset (all three when not configured). */
  readonly missingVariables: readonly string[];
  /** The refresh failure, when `refresh` is `failed`. */
  readonly error?: EdgeplaneError;
}

function local(set: JwkSet): string {
  return `the local key cache (${set.keys.length} key${set.keys.length === 1 ? '' : 's'})`;
}

/**
 * Decides which keys to trust (reference section 5 "Key refresh", decision 5 and 6). With
 * `BYTEOR_API_BASE_URL`, `BYTEOR_AGENT_ID` and `BYTEOR_AGENT_API_KEY` all set it refreshes first and
 * merges the control-plane keys over the local cache (same kid: the control plane wins); if the
 * refresh fails it keeps the local cache. With only some set it names the missing ones and uses the
 * local cache. Never throws for remote failures.
 */
export async function resolveTrust(options: ResolveTrustOptions): Promise<TrustResolution> {
  const { localKeySet, env } = options;
  const missingVariables = TRUST_ENV_VARS.filter((name) => !env[name]);
  if (missingVariables.length === TRUST_ENV_VARS.length) {
    return {
      keySet: localKeySet,
      keySource: 'local-cache',
      refresh: 'not-configured',
      reason: `control-plane refresh not configured; using ${local(localKeySet)}`,
      missingVariables,
    };
  }
  if (missingVariables.length > 0) {
    return {
      keySet: localKeySet,
      keySource: 'local-cache',
      refresh: 'partially-configured',
      reason: `control-plane refresh skipped: ${missingVariables.join(', ')} not set; using ${local(localKeySet)}`,
      missingVariables,
    };
  }
  const result = await refreshKeySet({
    baseUrl: env.BYTEOR_API_BASE_URL ?? '',
    agentId: env.BYTEOR_AGENT_ID ?? '',
    apiKey: env.BYTEOR_AGENT_API_KEY ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  if (!result.ok) {
    return {
      keySet: localKeySet,
      keySource: 'local-cache',
      refresh: 'failed',
      reason: `${result.error.detail}; using ${local(localKeySet)}`,
      missingVariables,
      error: result.error,
    };
  }
  const merged = localKeySet.keys.length > 0;
  return {
    keySet: mergeKeySets(localKeySet, result.keySet),
    keySource: merged ? 'control-plane+local' : 'control-plane',
    refresh: 'refreshed',
    reason: `refreshed ${result.keySet.keys.length} key(s) from the control plane${merged ? ` and merged them over ${local(localKeySet)}` : ''}`,
    missingVariables,
  };
}
