/**
 * `@edgeplane/app-kit`: what the CLI composes, as a library: loading a deployment (spec, adapter
 * config, transports), host checks, incident bundles, rendering, one-shot runs.
 *
 * @module
 */

export type { BundleInput } from './bundle.js';
export { BUNDLE_FILES, writeIncidentBundle } from './bundle.js';
export type { CaptureCopy } from './capture-bundle.js';
export { BUNDLE_CAPTURE_MAX_BYTES, copyCapture } from './capture-bundle.js';
export type { CaptureSet } from './capture-read.js';
export { readCapture } from './capture-read.js';
export type { Deployment, LoadedSpec, ResolvedBinding } from './deployment.js';
export {
  configPathFor,
  DEFAULT_CONFIG_FILE,
  idleSnapshotFor,
  loadConfig,
  loadDeployment,
  loadSpec,
} from './deployment.js';
export type { DoctorCheck, DoctorReport } from './doctor.js';
export { isSupportedNode, MIN_NODE, MIN_OPEN_FILES, readLimit, runDoctor } from './doctor.js';
export type { DoctorLine, DoctorResult } from './doctor-report.js';
export { doctorResult, renderDoctorResult } from './doctor-report.js';
export type { ClockReading } from './doctor-system.js';
export {
  clockCheck,
  diskCheck,
  LANE_DISK_FAIL_BYTES,
  LANE_DISK_WARN_BYTES,
  readClock,
} from './doctor-system.js';
export type { CheckEndpointsOptions, EndpointCheck } from './endpoints.js';
export { CHECK_GRACE_MS, checkEndpoints } from './endpoints.js';
export type { ConfigVariable, EnvironmentInput, EnvironmentRecord } from './environment.js';
export { bundleSecrets, ENVIRONMENT_PREFIXES, environmentRecord } from './environment.js';
export type { Governance, GovernanceInput } from './governance.js';
export { evaluateGovernance, parsePosture } from './governance.js';
export {
  findInstalledPackage,
  type InstalledTransport,
  listInstalledTransports,
} from './installed.js';
export type { LaneSnapshot, LaneSnapshotStatus } from './lane-snapshot.js';
export { readLaneSnapshot } from './lane-snapshot.js';
export * from './ops/index.js';
export { renderCauses, renderSnapshot, renderSummary } from './render.js';
export type { ReplayReport } from './replay.js';
export { replayBundle } from './replay.js';
export type { ReplayBundle } from './replay-bundle.js';
export { loadReplayBundle } from './replay-bundle.js';
export type { ReplayDifference, ReplayOutcome } from './replay-compare.js';
export { compareCapture, previewBytes } from './replay-compare.js';
export { renderReplay } from './replay-render.js';
export * from './reporting/index.js';
export { RUNTIME } from './runtime.js';
export { runSinglePass } from './single-pass.js';
export {
  checkStageSettings,
  loadShownStageSettings,
  shownStageSettings,
} from './stage-settings.js';
export { checkTlsSettings } from './tls-check.js';
export * from './top/index.js';
export { BUILT_IN_TRANSPORTS, loadTransport } from './transports.js';
