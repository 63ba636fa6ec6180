import { EdgeplaneError, type ErrorCode } from '@edgeplane/errors';
import { COMPONENT } from './errors.js';
import { parseKeySet } from './key-set.js';
import type { JwkSet } from './types.js';

/** Default time budget of one signing-key refresh, in milliseconds. */
export const DEFAULT_REFRESH_TIMEOUT_MS = 5_000;

/** Inputs of `refreshKeySet`: the three `BYTEOR_*` agent variables plus transport knobs. */
export interface RefreshKeySetOptions {
  /** `BYTEOR_API_BASE_URL`: the API origin, e.g. `https://api.example.com`. */
  readonly baseUrl: string;
  /** `BYTEOR_AGENT_ID`. */
  readonly agentId: string;
  /** `BYTEOR_AGENT_API_KEY`: sent as a bearer token, never written into a message. */
  readonly apiKey: string;
  /** A WHATWG `fetch`; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Whole-request time budget (connect, headers and body), ms; default 5000. */
  readonly timeoutMs?: number;
}

/** Outcome of a refresh. Remote failures are values, never throws (STYLE section 4). */
export type RefreshResult =
  | { readonly ok: true; readonly keySet: JwkSet; readonly url: string }
  | { readonly ok: false; readonly error: EdgeplaneError; readonly url: string };

/** The refresh URL: `{base}/api/v1/agents/{agent_id}/signing-keys` (decision 5). */
export function signingKeysUrl(baseUrl: string, agentId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/agents/${encodeURIComponent(agentId)}/signing-keys`;
}

function statusCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'protocol';
}

async function attempt(options: RefreshKeySetOptions, url: string): Promise<JwkSet> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let body: unknown;
  try {
    response = await doFetch(url, {
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
      redirect: 'error', // never forward the bearer key to wherever a redirect points
      signal,
    });
    if (!response.ok) {
      await response.body?.cancel();
      const text = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new EdgeplaneError(statusCode(response.status), COMPONENT, text);
    }
    body = await response.json().catch(() => {
      if (signal.aborted) throw signal.reason;
      throw new EdgeplaneError('protocol', COMPONENT, 'response body is not JSON');
    });
  } catch (cause) {
    if (cause instanceof EdgeplaneError) throw cause;
    if (signal.aborted) {
      throw new EdgeplaneError('timeout', COMPONENT, `no answer within ${timeoutMs} ms`, { cause });
    }
    // undici puts the errno (ECONNREFUSED...) or a short reason ("unexpected redirect") in `cause`.
    const inner = (cause as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = String(inner?.code ?? inner?.message ?? 'network error');
    throw new EdgeplaneError('unavailable', COMPONENT, `request failed: ${reason}`, { cause });
  }
  try {
    return parseKeySet(body, 'control-plane response');
  } catch (cause) {
    const detail = cause instanceof EdgeplaneError ? cause.detail : String(cause);
    throw new EdgeplaneError('protocol', COMPONENT, detail, { cause });
  }
}

/**
 * Fetches the trusted signing keys from the control plane: `GET
 * {baseUrl}/api/v1/agents/{agentId}/signing-keys` with `Authorization: Bearer <apiKey>`; the body
 * must be a JWK Set (decision 5 and 6). Never throws for remote failures: network errors and 429/5xx
 * give code `unavailable`, 401 `unauthenticated`, 403 `permission-denied`, 404 `not-found`, a
 * time-out `timeout`, other statuses and a body that is not a valid key set `protocol`. Error messages name the URL and never the API key.
 */
export async function refreshKeySet(options: RefreshKeySetOptions): Promise<RefreshResult> {
  const url = signingKeysUrl(options.baseUrl, options.agentId);
  try {
    return { ok: true, keySet: await attempt(options, url), url };
  } catch (cause) {
    const inner = EdgeplaneError.from(cause, COMPONENT, 'unavailable');
    const secret = options.apiKey;
    const scrub = (text: string) => (secret ? text.split(secret).join('[redacted]') : text);
    const error = new EdgeplaneError(
      inner.code,
      COMPONENT,
      scrub(`signing-key refresh from ${url} failed: ${inner.detail}`),
      { details: { url: scrub(url), status_code: inner.code } },
    );
    return { ok: false, error, url: scrub(url) };
  }
}
