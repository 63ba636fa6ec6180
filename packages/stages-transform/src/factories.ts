import type { StageFactory } from '@edgeplane/adapter-loop';
import { createDedupeStage } from './dedupe/stage.js';
import { filterStage } from './filter.js';
import { mapStage } from './map.js';
import { parseStage } from './parse/index.js';
import { createRateLimitStage } from './rate-limit/stage.js';
import { createRedactStage } from './redact/stage.js';

/**
 * The catalog, by stage key (a key ending in `:` is a family: `parse:` resolves `parse:json`).
 * Each factory checks its `stages.<id>.*` settings and throws `invalid-config` naming the setting.
 * @example
 * const stages = createStageResolver({ ...transformStages, ...actionStageFactories(process.env) });
 */
export const transformStages: Readonly<Record<string, StageFactory>> = {
  'parse:': parseStage,
  filter: filterStage,
  map: mapStage,
  redact: createRedactStage,
  dedupe: (context) => createDedupeStage(context),
  rate_limit: (context) => createRateLimitStage(context),
};

/** `transformStages` as a new object (for spreading into a resolver of your own). */
export function transformStageFactories(): Record<string, StageFactory> {
  return { ...transformStages };
}
