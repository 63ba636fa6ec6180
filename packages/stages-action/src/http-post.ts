import { redactText, type StageFactoryContext, type StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import pRetry, { AbortError } from 'p-retry';
import { type ActionSettings, isAllowedUrl } from './env.js';
import { HTTP_POST_COMPONENT, networkFailure, type PostFailure, statusCode } from './errors.js';
import { ActionTally, rejectSettings, where } from './shared.js';
import type { ActionStage, ActionStageOptions } from './types.js';

/** Backoff ceiling between two POST attempts, ms. */
export const MAX_POST_BACKOFF_MS = 30_000;
const PREFIX = 'http_post:';

/** Checks the target at resolve time: scheme, then the allow-list. Returns it with secrets hidden. */
function checkTarget(context: StageFactoryContext, allowlist: readonly string[]): string {
  const url = context.key.slice(PREFIX.length);
  const shown = redactText(url, []);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!/^https?:\/\//i.test(url) || !parsed) {
    throw new EdgeplaneError(
      'invalid-config',
      HTTP_POST_COMPONENT,
      `${JSON.stringify(shown)} is not an http:// or https:// URL ${where(context)}`,
      {
        details: { stage: context.key },
        hint: 'write the stage as http_post:https://host/path',
      },
    );
  }
  if (!isAllowedUrl(url, allowlist)) {
    const listed =
      allowlist.length === 0
        ? 'BYTEOR_HTTP_POST_ALLOWLIST is empty, which allows nothing'
        : `allowed prefixes: ${allowlist.map((p) => redactText(p, [])).join(', ')}`;
    throw new EdgeplaneError(
      'permission-denied',
      HTTP_POST_COMPONENT,
      `${shown} is not allowed by BYTEOR_HTTP_POST_ALLOWLIST ${where(context)} (${listed})`,
      {
        details: { stage: context.key, variable: 'BYTEOR_HTTP_POST_ALLOWLIST' },
        hint: 'add a prefix of this URL to BYTEOR_HTTP_POST_ALLOWLIST (comma-separated URL prefixes)',
      },
    );
  }
  return shown;
}

async function attempt(
  url: string,
  shown: string,
  body: Uint8Array,
  settings: ActionSettings,
  doFetch: typeof fetch,
  signal: AbortSignal,
): Promise<PostFailure | undefined> {
  const timeout = AbortSignal.timeout(settings.httpPostTimeoutMs);
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
      // Never follow: a redirect could lead outside the allow-list.
      redirect: 'manual',
      signal: AbortSignal.any([timeout, signal]),
    });
    await res.body?.cancel();
    const { status } = res;
    if (status >= 200 && status < 300) return undefined;
    const what =
      status >= 300 && status < 400
        ? `HTTP ${status} (redirects are not followed)`
        : `HTTP ${status}`;
    const error = new EdgeplaneError(
      statusCode(status),
      HTTP_POST_COMPONENT,
      `POST ${shown} answered ${what}`,
      { details: { status } },
    );
    return { error, retryable: status >= 500 || status === 429 || status === 408 };
  } catch (cause) {
    if (signal.aborted) throw cause;
    if (timeout.aborted) {
      const detail = `POST ${shown} timed out after ${settings.httpPostTimeoutMs} ms (BYTEOR_HTTP_POST_TIMEOUT)`;
      return { error: new EdgeplaneError('timeout', HTTP_POST_COMPONENT, detail), retryable: true };
    }
    return networkFailure(cause, shown);
  }
}

/**
 * `http_post:<url>` (ActionGraph): forwards its input unchanged and POSTs each message's bytes to
 * the URL, one request per message, in order, as `application/octet-stream`. Retryable failures
 * (connection errors, time-outs, 5xx, 408, 429) are retried `BYTEOR_ACTION_MAX_RETRIES` times with
 * exponential backoff from `BYTEOR_ACTION_RETRY_BASE_MS`; then, or at once for other statuses, it
 * throws an `EdgeplaneError` and the loop stops (`stop_pipeline`) without acknowledging.
 * Refuses at resolve time a URL that is not http(s) (`invalid-config`) or not in
 * `BYTEOR_HTTP_POST_ALLOWLIST` (`permission-denied`).
 */
export function createHttpPostStage(
  context: StageFactoryContext,
  settings: ActionSettings,
  options: ActionStageOptions = {},
): ActionStage {
  rejectSettings(context, HTTP_POST_COMPONENT, []);
  const shown = checkTarget(context, settings.httpPostAllowlist);
  const url = context.key.slice(PREFIX.length);
  const doFetch = options.fetch ?? globalThis.fetch;
  const tally = new ActionTally(context, 'http_post', options);

  const post = async (message: StageMessage, signal: AbortSignal): Promise<void> => {
    let attempts = 0;
    try {
      await pRetry(
        async () => {
          attempts++;
          const failure = await attempt(url, shown, message.body, settings, doFetch, signal);
          if (!failure) return;
          throw failure.retryable ? failure.error : new AbortError(failure.error);
        },
        {
          retries: settings.maxRetries,
          factor: 2,
          minTimeout: settings.retryBaseMs,
          maxTimeout: MAX_POST_BACKOFF_MS,
          randomize: true,
          signal,
        },
      );
    } catch (cause) {
      if (signal.aborted)
        throw new EdgeplaneError(
          'cancelled',
          HTTP_POST_COMPONENT,
          `POST ${shown} cancelled: the loop stopped`,
          { cause },
        );
      const last = EdgeplaneError.from(cause, HTTP_POST_COMPONENT);
      const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
      throw new EdgeplaneError(
        last.code,
        HTTP_POST_COMPONENT,
        `${last.detail}${tries} ${where(context)}`,
        {
          cause: last,
          details: { ...last.details, stage: context.key, attempts },
        },
      );
    } finally {
      tally.retried(Math.max(0, attempts - 1));
    }
  };

  return tally.stage(async (messages, signal) => {
    for (const message of messages) await post(message, signal);
  });
}
