import { dirname, resolve } from 'node:path';
import {
  type AdapterConfig,
  ConfigError,
  isSecretKey,
  parseAdapterConfig,
  REDACTED,
} from '@edgeplane/adapter-loop';
import { INPUT_LIMITS, printable, readInputFile } from '@edgeplane/errors';
import type { SingleRingSpec } from '@edgeplane/spec-kv';

/**
 * Every `stages.<id>.<setting>` line of the adapter config names a stage of the spec. `run`
 * (through `loadDeployment`) and `validate` both call this, so `validate` refuses what `run` would.
 * Linear in the number of config lines.
 * @param spec the parsed spec (its stage ids).
 * @param specPath the spec's path, for the message.
 * @param config the parsed adapter config.
 * @throws ConfigError at the first line whose stage id the spec lacks, naming the config file,
 *   line, key and the spec's stage ids.
 */
export function checkStageSettings(
  spec: Pick<SingleRingSpec, 'stages'>,
  specPath: string,
  config: Pick<AdapterConfig, 'file' | 'entries'>,
): void {
  const ids = new Set(spec.stages.map((st) => st.id));
  for (const e of config.entries) {
    if (!e.key.startsWith('stages.')) continue;
    const rest = e.key.slice('stages.'.length);
    const dot = rest.indexOf('.');
    const id = dot < 0 ? rest : rest.slice(0, dot);
    if (ids.has(id)) continue;
    throw new ConfigError(
      { file: config.file, line: e.line, column: 1, key: printable(e.key) },
      `stage settings for "${printable(id)}", but ${specPath} has no stage with that id`,
      `stage ids in the spec: ${[...ids].join(', ')}`,
    );
  }
}

/** Longest setting value `shownStageSettings` prints, in characters (longer ones are cut). */
const SHOWN_VALUE_CHARS = 200;

/**
 * Each stage's settings (`stages.<id>.<name>=value` of a parsed adapter config) as they may be
 * printed by `describe` and `dot`: by stage id, name -> value. A value is `[redacted]` when its
 * key names a secret (`isSecretKey`: `stages.x.hmac_key`, `stages.x.token`, ...), when
 * `isSecretSetting(stageKey, name)` says the stage declares it secret, or when it came from a
 * secret-named environment variable; other values are escaped for a terminal (`printable`) and
 * cut at 200 characters. Stages without settings are absent.
 * @param spec the parsed spec (stage ids -> stage keys).
 * @param config the parsed adapter config (see `checkStageSettings` for ids the spec lacks).
 */
export function shownStageSettings(
  spec: Pick<SingleRingSpec, 'stages'>,
  config: Pick<AdapterConfig, 'entries'>,
  isSecretSetting: (stageKey: string, name: string) => boolean = () => false,
): Record<string, Record<string, string>> {
  const keys = new Map(spec.stages.map((s) => [s.id, s.stage]));
  const shown: Record<string, Record<string, string>> = Object.create(null);
  for (const e of config.entries) {
    if (!e.key.startsWith('stages.')) continue;
    const rest = e.key.slice('stages.'.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const id = rest.slice(0, dot);
    const name = rest.slice(dot + 1);
    const stageKey = keys.get(id);
    if (stageKey === undefined) continue;
    const secret =
      isSecretKey(e.key) || isSecretSetting(stageKey, name) || e.vars.some(isSecretKey);
    shown[id] ??= Object.create(null) as Record<string, string>;
    (shown[id] as Record<string, string>)[name] = secret
      ? REDACTED
      : printable(e.value, SHOWN_VALUE_CHARS);
  }
  return shown;
}

/**
 * Reads an adapter config (a regular file of at most 1 MiB, `${VAR}` interpolated from `env`)
 * for its stage settings only, checks their ids against the spec and returns them as
 * `shownStageSettings` does. Transports are not loaded: `describe --config` works without them.
 * @throws EdgeplaneError `not-found` / `invalid-config` for an unreadable file; ConfigError for
 *   a config that does not parse or names a stage id the spec lacks.
 */
export async function loadShownStageSettings(input: {
  readonly spec: Pick<SingleRingSpec, 'stages'>;
  readonly specPath: string;
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly isSecretSetting?: ((stageKey: string, name: string) => boolean) | undefined;
}): Promise<Record<string, Record<string, string>>> {
  const path = resolve(input.cwd, input.configPath);
  const bytes = await readInputFile(path, {
    what: 'adapter config',
    maxBytes: INPUT_LIMITS.config,
    component: 'app-kit',
    from: '--config=',
    shown: input.configPath,
  });
  const config = parseAdapterConfig(bytes, {
    file: input.configPath,
    env: { ...input.env, EDGEPLANE_CONFIG_DIR: dirname(path) },
  });
  checkStageSettings(input.spec, input.specPath, config);
  return shownStageSettings(input.spec, config, input.isSecretSetting);
}
