import type { StageFactory } from '@edgeplane/adapter-loop';
import { type ActionEnv, parseActionEnv } from './env.js';
import { createExecStage } from './exec.js';
import { createHttpPostStage } from './http-post.js';
import type { ActionStageOptions } from './types.js';

/**
 * The two governed stage families for `createStageResolver`: keys `http_post:` and `exec:`.
 * Reads the `BYTEOR_*` action variables from `env` now (throws `invalid-config` for a bad value);
 * each stage checks its target against the allow-lists when the loop resolves it, before it starts.
 *
 * @example
 * const stages = createStageResolver(actionStageFactories(process.env, { dryRun: false }));
 * const loop = createLoop({ spec, ingress, egress, stages });
 */
export function actionStageFactories(
  env: ActionEnv,
  options: ActionStageOptions = {},
): Record<string, StageFactory> {
  const settings = parseActionEnv(env);
  return {
    'http_post:': (context) => createHttpPostStage(context, settings, options),
    'exec:': (context) => createExecStage(context, settings, options),
  };
}
