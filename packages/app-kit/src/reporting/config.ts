import { redactText } from '@edgeplane/adapter-loop';

/** The three variables that turn agent reporting on (reference section 6, decision 5). */
export const REPORTING_ENV_VARS: readonly string[] = [
  'BYTEOR_API_BASE_URL',
  'BYTEOR_AGENT_ID',
  'BYTEOR_AGENT_API_KEY',
];

/** Default heartbeat period, seconds (`BYTEOR_HEARTBEAT_INTERVAL_SECS`). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECS = 30;
/** Default snapshot period, seconds (`BYTEOR_SNAPSHOT_INTERVAL_SECS`). */
export const DEFAULT_SNAPSHOT_INTERVAL_SECS = 10;
/** Smallest accepted interval, seconds: fractions are allowed (tests use 0.05). */
export const MIN_REPORT_INTERVAL_SECS = 0.01;

/** Environment as read by the reporter; an empty string counts as unset. */
export type ReportingEnv = Readonly<Record<string, string | undefined>>;

/** What the environment says, before anything is sent. */
export type ReportingConfig =
  | {
      readonly active: true;
      /** Origin (and optional path prefix) without a trailing slash. */
      readonly baseUrl: string;
      readonly agentId: string;
      readonly apiKey: string;
      readonly heartbeatIntervalSecs: number;
      readonly snapshotIntervalSecs: number;
      /** Lines worth logging once (bad interval values, plain http to a remote host). */
      readonly warnings: readonly string[];
    }
  | {
      readonly active: false;
      readonly state: 'not-configured' | 'partially-configured' | 'invalid-config';
      readonly reason: string;
      readonly missingVariables: readonly string[];
    };

function interval(env: ReportingEnv, name: string, fallback: number, warnings: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value >= MIN_REPORT_INTERVAL_SECS) return value;
  warnings.push(
    `${name}=${JSON.stringify(raw).slice(0, 40)} is not a number of seconds >= ${MIN_REPORT_INTERVAL_SECS}; using ${fallback}`,
  );
  return fallback;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Reads `BYTEOR_API_BASE_URL`, `BYTEOR_AGENT_ID`, `BYTEOR_AGENT_API_KEY` and the two interval
 * variables (seconds, fractions allowed). Never throws; never puts the API key in a message.
 */
export function parseReportingEnv(env: ReportingEnv): ReportingConfig {
  const missingVariables = REPORTING_ENV_VARS.filter((name) => !env[name]);
  if (missingVariables.length === REPORTING_ENV_VARS.length) {
    const reason =
      'agent reporting not configured (BYTEOR_API_BASE_URL, BYTEOR_AGENT_ID and BYTEOR_AGENT_API_KEY are unset)';
    return { active: false, state: 'not-configured', reason, missingVariables };
  }
  if (missingVariables.length > 0) {
    const set = REPORTING_ENV_VARS.filter((name) => !missingVariables.includes(name));
    const reason = `agent reporting off: ${missingVariables.join(', ')} not set (${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'}); set all three to report`;
    return { active: false, state: 'partially-configured', reason, missingVariables };
  }
  const apiKey = env.BYTEOR_AGENT_API_KEY ?? '';
  const rawBase = (env.BYTEOR_API_BASE_URL ?? '').trim();
  let url: URL | undefined;
  try {
    url = new URL(rawBase);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = JSON.stringify(redactText(rawBase, [apiKey])).slice(0, 80);
    const reason = `agent reporting off: BYTEOR_API_BASE_URL=${shown} is not an http:// or https:// URL`;
    return { active: false, state: 'invalid-config', reason, missingVariables: [] };
  }
  const warnings: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    warnings.push(
      `BYTEOR_API_BASE_URL uses plain http to ${url.host}: the agent key travels unencrypted; use https`,
    );
  }
  return {
    active: true,
    baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, ''),
    agentId: env.BYTEOR_AGENT_ID ?? '',
    apiKey,
    heartbeatIntervalSecs: interval(
      env,
      'BYTEOR_HEARTBEAT_INTERVAL_SECS',
      DEFAULT_HEARTBEAT_INTERVAL_SECS,
      warnings,
    ),
    snapshotIntervalSecs: interval(
      env,
      'BYTEOR_SNAPSHOT_INTERVAL_SECS',
      DEFAULT_SNAPSHOT_INTERVAL_SECS,
      warnings,
    ),
    warnings,
  };
}

/** `{base}/api/v1/agents/{agent_id}/{kind}` (decision 5); the id is URL-encoded. */
export function agentReportUrl(
  baseUrl: string,
  agentId: string,
  kind: 'heartbeat' | 'snapshots',
): string {
  return `${baseUrl}/api/v1/agents/${encodeURIComponent(agentId)}/${kind}`;
}
