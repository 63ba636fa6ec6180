import { EdgeplaneError } from '@edgeplane/errors';

/** Environment the action settings are read from; empty strings count as unset. */
export type ActionEnv = Readonly<Record<string, string | undefined>>;

/** The ActionGraph variables (reference section 4 and 8), parsed. Times in ms. */
export interface ActionSettings {
  /** `BYTEOR_HTTP_POST_ALLOWLIST`: URL prefixes; empty allows nothing. */
  readonly httpPostAllowlist: readonly string[];
  /** `BYTEOR_HTTP_POST_TIMEOUT` (seconds, or with an `ms` / `s` suffix) in ms; default 10 s. */
  readonly httpPostTimeoutMs: number;
  /** `BYTEOR_ACTION_MAX_RETRIES`: retries after the first attempt; default 3. */
  readonly maxRetries: number;
  /** `BYTEOR_ACTION_RETRY_BASE_MS`: first backoff, ms; default 100. */
  readonly retryBaseMs: number;
  /** `BYTEOR_EXEC_ALLOWLIST`: exact program strings; empty means exec is off. */
  readonly execAllowlist: readonly string[];
}

/** Default `BYTEOR_HTTP_POST_TIMEOUT`, ms. */
export const DEFAULT_HTTP_POST_TIMEOUT_MS = 10_000;
/** Default `BYTEOR_ACTION_MAX_RETRIES`. */
export const DEFAULT_ACTION_MAX_RETRIES = 3;
/** Default `BYTEOR_ACTION_RETRY_BASE_MS`. */
export const DEFAULT_ACTION_RETRY_BASE_MS = 100;

const COMPONENT = 'stages-action';

function bad(name: string, value: string, expected: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `invalid ${name}=${JSON.stringify(value).slice(0, 60)}: expected ${expected}`,
    { details: { variable: name } },
  );
}

function list(env: ActionEnv, name: string): readonly string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function integer(env: ActionEnv, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw bad(name, raw, `an integer 0-${max}`);
  return Number(raw);
}

/** `5`, `2.5`, `5s` are seconds; `500ms` is milliseconds. Returns ms. */
function duration(env: ActionEnv, name: string, fallbackMs: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(raw);
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : 1000) : Number.NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) {
    throw bad(
      name,
      raw,
      'seconds (e.g. `10`, `2.5`, `10s`) or milliseconds with `ms` (`500ms`), 1 ms to 1 h',
    );
  }
  return Math.round(ms);
}

/**
 * Reads the ActionGraph variables. Throws `EdgeplaneError` `invalid-config` naming the variable for
 * an unreadable number; lists are comma-separated with blanks ignored.
 */
export function parseActionEnv(env: ActionEnv): ActionSettings {
  return {
    httpPostAllowlist: list(env, 'BYTEOR_HTTP_POST_ALLOWLIST'),
    httpPostTimeoutMs: duration(env, 'BYTEOR_HTTP_POST_TIMEOUT', DEFAULT_HTTP_POST_TIMEOUT_MS),
    maxRetries: integer(env, 'BYTEOR_ACTION_MAX_RETRIES', DEFAULT_ACTION_MAX_RETRIES, 100),
    retryBaseMs: integer(env, 'BYTEOR_ACTION_RETRY_BASE_MS', DEFAULT_ACTION_RETRY_BASE_MS, 600_000),
    execAllowlist: list(env, 'BYTEOR_EXEC_ALLOWLIST'),
  };
}

/**
 * True when `url` starts with one of `prefixes`. A prefix that is only an origin
 * (`https://api.example.com`, no path) must be followed by `/`, `?`, `#` or the end, so it cannot
 * match `https://api.example.com.evil.net/`.
 */
export function isAllowedUrl(url: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => {
    if (!url.startsWith(prefix)) return false;
    if (!/^https?:\/\/[^/?#]+$/i.test(prefix)) return true;
    const next = url[prefix.length];
    return next === undefined || next === '/' || next === '?' || next === '#';
  });
}
