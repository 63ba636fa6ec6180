import { type LoadedSpec, loadShownStageSettings, loadSpec } from '@edgeplane/app-kit';
import type { ShownStageSettings } from '@edgeplane/spec-kv';
import { type FlagSpec, specPath, str } from '../args.js';
import type { Io } from '../io.js';
import { isSecretStageSetting } from '../stage-catalog.js';
import { specStages } from './governed.js';
import { CONFIG_FLAG } from './shared.js';

/** `--config` of describe and dot: show each stage's settings from this adapter config. */
export const SETTINGS_CONFIG_FLAG: FlagSpec = {
  type: 'string',
  description:
    'also show the stages.<id>.* settings of each stage from this adapter config (secrets redacted)',
  placeholder: CONFIG_FLAG.placeholder,
};

/**
 * The spec of `describe` / `dot` (its stage keys checked against the run's stage resolver), and,
 * with `--config`, each stage's settings with secrets shown as `[redacted]`: keys that name a
 * secret, settings the stage declares secret (redact's `hmac_key`), values from secret-named
 * variables.
 */
export async function specView(
  flags: Readonly<Record<string, unknown>>,
  io: Io,
): Promise<{ spec: LoadedSpec; settings: ShownStageSettings | undefined }> {
  const path = specPath(flags, io);
  const spec = await loadSpec(path, { cwd: io.cwd, stages: specStages() });
  const configPath = str(flags, 'config');
  const settings = configPath
    ? await loadShownStageSettings({
        spec: spec.spec,
        specPath: path,
        configPath,
        env: io.env,
        cwd: io.cwd,
        isSecretSetting: isSecretStageSetting,
      })
    : undefined;
  return { spec, settings };
}
