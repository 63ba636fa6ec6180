/**
 * `@edgeplane/stages-transform`: the pure processing stages of the edgeplane loop, registered
 * with `createStageResolver` and configured by `stages.<id>.<setting>` in the adapter config:
 * `redact`, `dedupe`, `rate_limit`. Each declares its settings (`transformStageDescriptors`) for
 * `edgeplane stages` and the docs. See docs/stages/.
 *
 * @module
 */

export {
  DEFAULT_DEDUPE_WINDOW_COUNT,
  MAX_DEDUPE_KEY_CHARS,
  MAX_DEDUPE_KEYS,
  MAX_DEDUPE_WINDOW_MS,
} from './dedupe/descriptor.js';
export type { DedupeClock } from './dedupe/stage.js';
export { createDedupeStage } from './dedupe/stage.js';
export type { StageDescriptor, StageSettingDescription } from './descriptor.js';
export { transformStageDescriptors } from './descriptors.js';
export { transformStageFactories } from './factories.js';
export { readJson, withJson } from './json-body.js';
export { MAX_BURST, MAX_RATE } from './rate-limit/descriptor.js';
export type { RateLimitStage } from './rate-limit/stage.js';
export { createRateLimitStage } from './rate-limit/stage.js';
export { luhn, PRESET_NAMES, type PresetName } from './redact/presets.js';
export { DEFAULT_MASK, HMAC_TOKEN_CHARS, MIN_HMAC_KEY_BYTES } from './redact/replace.js';
export { createRedactStage } from './redact/stage.js';
