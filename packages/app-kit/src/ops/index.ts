/**
 * The ops listener: `/healthz`, `/readyz`, `/metrics`, `/snapshot` on a loopback address, and the
 * loop metrics behind `/metrics`. See docs/guide/6.operations.md.
 *
 * @module
 */
export type { OpsAddress } from './address.js';
export { isLoopbackHost, parseOpsAddress } from './address.js';
export type { HealthPolicy, ProbeResult } from './health.js';
export {
  DEFAULT_HEALTH_FAILURE_WINDOW_MS,
  DEFAULT_UNHEALTHY_FAILURES,
  healthOf,
  readinessOf,
} from './health.js';
export type { OpsListener, OpsListenerOptions } from './listener.js';
export { startOpsListener } from './listener.js';
export type {
  AdapterFailureEvent,
  EgressBatchEvent,
  OpsMetrics,
  OpsMetricsOptions,
} from './metrics.js';
export { createOpsMetrics } from './metrics.js';
