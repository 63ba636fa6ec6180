import { redactText } from '@edgeplane/adapter-loop';
import { ReportChannel } from './channel.js';
import { agentReportUrl, parseReportingEnv } from './config.js';
import { DEFAULT_REPORT_TIMEOUT_MS, postReport } from './http.js';
import type {
  HeartbeatPayload,
  Reporter,
  ReporterOptions,
  ReporterStatus,
  ReportKindStatus,
} from './types.js';

const OFF: ReportKindStatus = {
  state: 'off',
  intervalSecs: 0,
  sent: 0,
  failed: 0,
  lastStatus: null,
  lastError: null,
  lastSuccessAt: null,
};

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Agent reporting (reference decision 5): with `BYTEOR_API_BASE_URL`, `BYTEOR_AGENT_ID` and
 * `BYTEOR_AGENT_API_KEY` all set, POSTs a heartbeat to `{base}/api/v1/agents/{id}/heartbeat` every
 * `BYTEOR_HEARTBEAT_INTERVAL_SECS` (default 30) and the snapshot document to `.../snapshots` every
 * `BYTEOR_SNAPSHOT_INTERVAL_SECS` (default 10), both once right at `start()`. Intervals are seconds
 * and accept fractions (`0.05`). With only some variables set it logs one line naming the missing
 * ones and sends nothing. Reporting never throws, never blocks the caller (timers are unref'd, at
 * most one request per kind is in flight), and never logs or stores the API key.
 *
 * @example
 * const reporter = createReporter({ env: process.env, snapshot: () => loop.snapshot(),
 *   heartbeat: () => ({ version: RUNTIME.version, state: loop.snapshot().state, specHash,
 *     tuning: { requested: 'default', applied: 'default', degradedReasons: [] } }) });
 * reporter.start();
 * await loop.run();
 * await reporter.stop();
 */
export function createReporter(options: ReporterOptions): Reporter {
  const log = (line: string): void => {
    try {
      (options.logger ?? stderrLine)(`[reporting] ${scrub(line)}`);
    } catch {
      // a failing logger must not break reporting
    }
  };
  const config = parseReportingEnv(options.env);
  const secrets = config.active ? [config.apiKey] : [options.env.BYTEOR_AGENT_API_KEY ?? ''];
  const scrub = (text: string): string => redactText(text, secrets.filter(Boolean));
  if (!config.active) {
    if (config.state !== 'not-configured') log(config.reason);
    const status: ReporterStatus = {
      state: config.state,
      active: false,
      reason: config.reason,
      missingVariables: config.missingVariables,
      baseUrl: null,
      agentId: null,
      heartbeat: OFF,
      snapshot: OFF,
    };
    return { start: () => undefined, stop: async () => undefined, status: () => status };
  }
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS;
  let startedAt = now();
  let state: 'ready' | 'running' | 'stopped' = 'ready';
  let stopping: Promise<void> | undefined;

  const heartbeatBody = (): string => {
    const info = options.heartbeat();
    const payload: HeartbeatPayload = {
      product: 'edgeplane',
      version: info.version,
      state: info.state,
      spec_hash: info.specHash,
      uptime_secs: info.uptimeSecs ?? Math.max(0, Math.floor((now() - startedAt) / 1000)),
      tuning: {
        requested: info.tuning.requested,
        applied: info.tuning.applied,
        degraded_reasons: [...info.tuning.degradedReasons],
      },
      sent_at: new Date(now()).toISOString(),
    };
    return JSON.stringify(payload);
  };
  const channel = (kind: 'heartbeat' | 'snapshot', secs: number, body: () => string) => {
    const url = agentReportUrl(
      config.baseUrl,
      config.agentId,
      kind === 'heartbeat' ? 'heartbeat' : 'snapshots',
    );
    return new ReportChannel({
      kind,
      intervalMs: secs * 1000,
      log,
      now,
      scrub,
      send: (signal) =>
        postReport({
          url,
          apiKey: config.apiKey,
          body: body(),
          fetch: doFetch,
          timeoutMs,
          signal,
          now,
        }),
    });
  };
  const heartbeat = channel('heartbeat', config.heartbeatIntervalSecs, heartbeatBody);
  const snapshot = channel('snapshot', config.snapshotIntervalSecs, () =>
    JSON.stringify(options.snapshot()),
  );
  for (const warning of config.warnings) log(warning);

  return {
    start() {
      if (state !== 'ready') return;
      state = 'running';
      startedAt = now();
      log(
        `reporting to ${config.baseUrl} as agent ${JSON.stringify(config.agentId)}: heartbeat every ${config.heartbeatIntervalSecs} s, snapshot every ${config.snapshotIntervalSecs} s`,
      );
      heartbeat.start();
      snapshot.start();
    },
    stop() {
      if (state === 'ready') state = 'stopped';
      stopping ??= Promise.all([
        heartbeat.stop(state === 'running'),
        snapshot.stop(state === 'running'),
      ]).then(() => {
        state = 'stopped';
      });
      return stopping;
    },
    status() {
      return {
        state,
        active: true,
        reason:
          state === 'running'
            ? 'reporting'
            : state === 'ready'
              ? 'configured, not started'
              : 'stopped',
        missingVariables: [],
        baseUrl: config.baseUrl,
        agentId: config.agentId,
        heartbeat: heartbeat.snapshot(),
        snapshot: snapshot.snapshot(),
      };
    },
  };
}
