import { type AdapterConfig, ConfigError } from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
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
