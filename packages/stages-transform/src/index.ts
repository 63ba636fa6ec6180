/**
/**
 * `@edgeplane/stages-transform`: the pure transform stages of edgeplane — `parse:<format>`,
 * `filter` and `map` (CEL), `redact`, `dedupe`, `rate_limit` — for `createStageResolver`.
 * Settings come from `stages.<id>.*` in the adapter config; each stage declares them
 * (`transformStageDescriptors`) for `edgeplane stages`. See docs/stages/.
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
export {
  filterDescriptor,
  mapDescriptor,
  parseDescriptor,
  parseFilterMapDescriptors,
} from './descriptors-part1.js';
export { transformStageFactories, transformStages } from './factories.js';
export { filterStage } from './filter.js';
export { carriesJson, readJson, withJson } from './json-body.js';
export { mapStage } from './map.js';
export { PARSE_FORMATS, type ParseFormat, parseStage } from './parse/index.js';
export { MAX_BURST, MAX_RATE } from './rate-limit/descriptor.js';
export type { RateLimitStage } from './rate-limit/stage.js';
export { createRateLimitStage } from './rate-limit/stage.js';
export { luhn, PRESET_NAMES, type PresetName } from './redact/presets.js';
export { DEFAULT_MASK, HMAC_TOKEN_CHARS, MIN_HMAC_KEY_BYTES } from './redact/replace.js';
export { createRedactStage } from './redact/stage.js';
