/**
 * `@edgeplane/stages-transform`: the pure transform stages of edgeplane — `parse:<format>`,
 * `filter` (CEL), `map` (CEL) — for `createStageResolver`. Settings come from `stages.<id>.*` in
 * the adapter config. See docs/stages/.
 *
 * @module
 */
import type { StageFactory } from '@edgeplane/adapter-loop';
import { filterStage } from './filter.js';
import { mapStage } from './map.js';
import { parseStage } from './parse/index.js';

export type { StageDescriptor, StageSettingDescription } from './descriptor.js';
export {
  filterDescriptor,
  mapDescriptor,
  parseDescriptor,
  parseFilterMapDescriptors,
} from './descriptors-part1.js';
export { filterStage } from './filter.js';
export { carriesJson, readJson, withJson } from './json-body.js';
export { mapStage } from './map.js';
export { PARSE_FORMATS, type ParseFormat, parseStage } from './parse/index.js';

/**
 * The catalog, by stage key (a key ending in `:` is a family: `parse:` resolves `parse:json`).
 * @example
 * const stages = createStageResolver({ ...transformStages, ...actionStageFactories(process.env) });
 */
export const transformStages: Readonly<Record<string, StageFactory>> = {
  'parse:': parseStage,
  filter: filterStage,
  map: mapStage,
};
