import type { StageFactory } from '@edgeplane/adapter-loop';
import { createDedupeStage } from './dedupe/stage.js';
import { createRateLimitStage } from './rate-limit/stage.js';
import { createRedactStage } from './redact/stage.js';

/**
 * The pure transform stages for `createStageResolver`, by key. Each factory checks its
 * `stages.<id>.*` settings and throws `invalid-config` naming the setting.
 * @example
 * const stages = createStageResolver({ ...transformStageFactories(), ...actionStageFactories(env) });
 */
export function transformStageFactories(): Record<string, StageFactory> {
  return {
    redact: createRedactStage,
    dedupe: (context) => createDedupeStage(context),
    rate_limit: (context) => createRateLimitStage(context),
  };
}
