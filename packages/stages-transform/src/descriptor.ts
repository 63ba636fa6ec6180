/**
 * One setting of a stage (`stages.<id>.<name>=value` in the adapter config): the shape of a
 * transport's `OptionDescription`, so `edgeplane stages` prints both the same way.
 */
export interface StageSettingDescription {
  /** The setting name after `stages.<id>.`, e.g. `hmac_key`. */
  readonly name: string;
  /** What the string value must hold: `integer`, `number`, `string`, `regex`, `a | b`, ... */
  readonly type: string;
  readonly required: boolean;
  /** The value used when the setting is absent (a string as written in the config, or a number). */
  readonly default?: string | number | undefined;
  readonly description: string;
  /** True for secrets: redacted wherever the config is printed (describe, snapshots, bundles). */
  readonly secret?: boolean | undefined;
}

/**
 * What a stage factory declares about itself, for `edgeplane stages`, `describe` and the docs:
 * its key (a `prefix:` for a family such as `parse:`), one line of summary, whether it is pure
 * (no governed side effect: no capability, no approval) and its settings.
 */
export interface StageDescriptor {
  /** The key the factory is registered under: `redact`, or `parse:` for a family. */
  readonly key: string;
  readonly summary: string;
  /** True when the stage has no governed side effect (no `capability`, no approval needed). */
  readonly pure: boolean;
  /** The governed capability of a side-effecting stage (`http_post`, `exec`). */
  readonly capability?: string | undefined;
  readonly settings: readonly StageSettingDescription[];
}
