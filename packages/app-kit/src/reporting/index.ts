/**
 * Agent reporting (reference decision 5): heartbeats and snapshots to the control plane.
 * See docs/guide/6.operations.md.
 *
 * @module
 */
export { MAX_REPORT_BACKOFF_MS } from './channel.js';
export type { ReportingConfig, ReportingEnv } from './config.js';
export {
  agentReportUrl,
  DEFAULT_HEARTBEAT_INTERVAL_SECS,
  DEFAULT_SNAPSHOT_INTERVAL_SECS,
  MIN_REPORT_INTERVAL_SECS,
  parseReportingEnv,
  REPORTING_ENV_VARS,
} from './config.js';
export { DEFAULT_REPORT_TIMEOUT_MS, MAX_RETRY_AFTER_MS, parseRetryAfter } from './http.js';
export { createReporter } from './reporter.js';
export type {
  HeartbeatInfo,
  HeartbeatPayload,
  Reporter,
  ReporterOptions,
  ReporterStatus,
  ReportKindStatus,
  TuningReport,
} from './types.js';
