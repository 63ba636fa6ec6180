/**
 * `@edgeplane/spec-kv`: parse, validate, canonically encode, hash, describe and render the
 * edgeplane `spec.kv` format (docs/guide/3.specs.md).
 *
 * @module
 */

export { describeSpec, type ShownStageSettings, type SpecViewOptions } from './describe.js';
export { renderDot } from './dot.js';
export { encodeSpec } from './encode.js';
export { SpecParseError, type SpecParseErrorInit } from './errors.js';
export { hashSpec } from './hash.js';
export { parseSpec } from './parse.js';
export { parseDecimal, parseInteger } from './rules.js';
export { BUILT_IN_STAGES, type StageCapability, stageCapability } from './stage-key.js';
export { closestMatch } from './suggest.js';
export {
  DEFAULT_CAPACITY,
  type LaneGraphSpec,
  MAX_CAPACITY,
  MIN_CAPACITY,
  type ParsedSpec,
  type ParseSpecOptions,
  SEQUENCED_SLOTS_V1_GATING,
  type SingleRingSpec,
  type Spec,
  type SpecStage,
  type SpecWarning,
} from './types.js';
export {
  type RingSpecInput,
  type RingSpecProblem,
  ringSpecProblem,
  verifyRingSpec,
} from './verify.js';
