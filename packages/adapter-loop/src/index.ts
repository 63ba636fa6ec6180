/**
 * `@edgeplane/adapter-loop`: one ingress, the spec's SingleRing stages and one egress, with
 * at-least-once delivery, batching, retries, backpressure and a live snapshot.
 *
 * @module
 */

export type { AdapterConfig, BindingConfig, ConfigEntry, LoopSettings } from './config/index.js';
export {
  bindingOptions,
  ConfigError,
  configSecrets,
  LOOP_SETTING_NAMES,
  parseAdapterConfig,
  redactConfig,
} from './config/index.js';
export { RECENT_FAILURE_WINDOW_MS } from './health.js';
export { createLoop } from './loop/create-loop.js';
export type { DeadLetterFormat, FailurePolicy } from './loop/dead-letter.js';
export { DEAD_LETTER_HEADERS, deadLetterFormat } from './loop/dead-letter.js';
export type { BatchOptions } from './loop/egress.js';
export type {
  AdapterBinding,
  AdapterEvent,
  AdapterFailureEvent,
  EgressBatchEvent,
  Loop,
  LoopOptions,
  LoopResult,
  LoopSpec,
  StopReason,
} from './loop/options.js';
export type { RetryOptions } from './loop/retry.js';
export { validateLoopOptions, verifyLoopSpec } from './loop/validate.js';
export { isSecretKey, REDACTED, redactText } from './redact.js';
export type { RingState } from './ring/single-ring.js';
export { SingleRing } from './ring/single-ring.js';
export type { RejectedSlot, Slot, StageRef } from './ring/slot.js';
export { idleSnapshot } from './snapshot/idle.js';
export type { SnapshotFileReading } from './snapshot/lane.js';
export {
  ensureWritableDir,
  isProcessAlive,
  readSnapshotFile,
  resolveLanePath,
  SNAPSHOT_FILE,
  writeSnapshotFile,
} from './snapshot/lane.js';
export { acquireLaneLock, LOCK_FILE } from './snapshot/lane-lock.js';
export type {
  AdapterRole,
  AdapterSnapshot,
  GroupSnapshot,
  LoopSnapshot,
  LoopState,
  RingSnapshot,
  StageSnapshot,
} from './snapshot/types.js';
export type {
  Stage,
  StageContext,
  StageFactory,
  StageFactoryContext,
  StageMessage,
  StageOutput,
  StageRejection,
  StageResolver,
} from './stages.js';
export {
  createStageResolver,
  identityStage,
  isStageRejection,
  rejectMessage,
  unknownStage,
} from './stages.js';
export * from './transport/index.js';
