/**
 * `@edgeplane/stages-action`: the governed side-effect stages of ActionGraph for the edgeplane
 * loop: `http_post:<url>` and `exec:<program>|<arg>|...`, with allow-lists, time-outs, retries
 * and dry-run. See docs/guide/7.governed-stages.md.
 *
 * @module
 */
export type { ActionStageDescriptor, ActionStageSetting } from './descriptors.js';
export { actionStageDescriptors } from './descriptors.js';
export type { ActionEnv, ActionSettings } from './env.js';
export {
  DEFAULT_ACTION_MAX_RETRIES,
  DEFAULT_ACTION_RETRY_BASE_MS,
  DEFAULT_HTTP_POST_TIMEOUT_MS,
  isAllowedUrl,
  parseActionEnv,
} from './env.js';
export { createExecStage, DEFAULT_EXEC_TIMEOUT_SECS, parseExecKey } from './exec.js';
export { actionStageFactories } from './factories.js';
export { createHttpPostStage, MAX_POST_BACKOFF_MS } from './http-post.js';
export type {
  ActionCapability,
  ActionCounts,
  ActionRecord,
  ActionStage,
  ActionStageOptions,
} from './types.js';
