import { printable } from '@edgeplane/errors';
import { isSecretKey, REDACTED } from '../redact.js';
import type { AdapterRole } from '../snapshot/types.js';
import { ConfigError, redactConfigError } from './config-error.js';
import { type LoopSettings, parseLoopSettings } from './loop-settings.js';
import { type ConfigEntry, readEntries } from './parse.js';

/** One side of the wiring: which transport, its adapter name, and its raw options. */
export interface BindingConfig {
  readonly role: AdapterRole;
  readonly transport: string;
  readonly name: string | undefined;
  /** Option name → value (strings, interpolated), for the transport's `parseOptions`. */
  readonly options: Readonly<Record<string, string>>;
}

/** A parsed adapter config (docs/guide/5.adapter-config.md). */
export interface AdapterConfig {
  readonly file: string;
  readonly ingress: BindingConfig;
  readonly egress: BindingConfig;
  /** The `dead_letter.*` binding (with `loop.failurePolicy=dead_letter`), or undefined. */
  readonly deadLetter: BindingConfig | undefined;
  readonly loop: LoopSettings;
  /** `stages.<id>.<key>=value` settings by stage id (objects without a prototype). */
  readonly stages: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly entries: readonly ConfigEntry[];
}

const TOP = ['ingress', 'egress', 'dead_letter', 'loop', 'stages'];

function binding(
  role: AdapterRole,
  entries: readonly ConfigEntry[],
  file: string,
  lastLine: number,
): BindingConfig {
  const options: Record<string, string> = Object.create(null);
  let transport: string | undefined;
  let name: string | undefined;
  for (const e of entries) {
    if (!e.key.startsWith(`${role}.`)) continue;
    const option = e.key.slice(role.length + 1);
    if (option === 'transport') transport = e.value;
    else if (option === 'name') name = e.value;
    else options[option] = e.value;
  }
  if (!transport) {
    throw new ConfigError(
      { file, line: lastLine, column: 1, key: `${role}.transport` },
      `missing ${role}.transport`,
      `add a line ${role}.transport=<name> (file, kafka, nats, ...)`,
    );
  }
  return { role, transport, name, options };
}

/**
 * Parses an adapter config: exactly one ingress and one egress binding, loop settings and stage
 * settings. Unknown top-level sections are errors. Transport options are validated later by
 * each transport's own schema (`bindingOptions`). Work is linear in the size of the input; maps
 * (`options`, `stages`) have no prototype, and keys with a `__proto__`, `constructor` or
 * `prototype` segment are refused (see `readEntries`).
 * @throws ConfigError naming `file:line:column`, the key and the fix.
 */
export function parseAdapterConfig(
  input: string | Uint8Array,
  options: {
    readonly file?: string;
    readonly env?: Readonly<Record<string, string | undefined>>;
  } = {},
): AdapterConfig {
  const file = options.file ?? 'adapters.kv';
  const entries = readEntries(input, file, options.env ?? process.env);
  for (const e of entries) {
    const dot = e.key.indexOf('.');
    if (dot < 0 || !TOP.includes(e.key.slice(0, dot))) {
      throw new ConfigError(
        { file, line: e.line, column: 1, key: printable(e.key) },
        `unknown key "${printable(e.key)}"`,
        'keys start with ingress., egress., dead_letter., loop. or stages.<id>.',
      );
    }
  }
  // entries are in line order: the last one has the highest line (no spread: 10^5 arguments overflow)
  const lastLine = entries.at(-1)?.line ?? 1;
  const stages: Record<string, Record<string, string>> = Object.create(null);
  for (const e of entries) {
    if (!e.key.startsWith('stages.')) continue;
    const rest = e.key.slice('stages.'.length);
    const dot = rest.indexOf('.');
    const id = dot < 0 ? rest : rest.slice(0, dot);
    const setting = dot < 0 ? '' : rest.slice(dot + 1);
    if (!id || !setting) {
      throw new ConfigError(
        { file, line: e.line, column: 1, key: printable(e.key) },
        `stage setting "${printable(e.key)}" needs a stage id and a name`,
        'write stages.<stage id>.<setting>=value',
      );
    }
    // one object per stage id, filled in place: linear in the number of lines
    let settings = stages[id];
    if (settings === undefined) {
      settings = Object.create(null) as Record<string, string>;
      stages[id] = settings;
    }
    settings[setting] = e.value;
  }
  const loop = loopSettings(entries, file);
  const deadLetterEntry = entries.find((e) => e.key.startsWith('dead_letter.'));
  const policyEntry = entries.find(
    (e) => e.key === 'loop.failurePolicy' || e.key === 'loop.failure_policy',
  );
  if (loop.failurePolicy === 'dead_letter' && !deadLetterEntry) {
    throw new ConfigError(
      {
        file,
        line: policyEntry?.line ?? lastLine,
        column: 1,
        key: policyEntry?.key ?? 'loop.failurePolicy',
      },
      'loop.failurePolicy=dead_letter needs a dead-letter binding',
      'add dead_letter.transport=<name> and its options (dead_letter.path=..., as for an egress): refused messages go there',
    );
  }
  if (deadLetterEntry && loop.failurePolicy !== 'dead_letter') {
    throw new ConfigError(
      { file, line: deadLetterEntry.line, column: 1, key: deadLetterEntry.key },
      'a dead_letter.* binding is configured but loop.failurePolicy is stop_pipeline: nothing would reach it',
      'add loop.failurePolicy=dead_letter, or remove the dead_letter.* lines',
    );
  }
  return {
    file,
    ingress: binding('ingress', entries, file, lastLine),
    egress: binding('egress', entries, file, lastLine),
    deadLetter: deadLetterEntry ? binding('dead_letter', entries, file, lastLine) : undefined,
    loop,
    stages,
    entries,
  };
}

/** The `loop.*` settings; an error never shows a value built from a secret-named variable. */
function loopSettings(entries: readonly ConfigEntry[], file: string): LoopSettings {
  try {
    return parseLoopSettings(
      entries.filter((e) => e.key.startsWith('loop.')),
      file,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw redactConfigError(error, configSecrets({ entries }));
  }
}

/**
 * The config as `key=value` text with secrets redacted: keys that name secrets, options the
 * transport describes as secret (`secretOptions`, as `ingress.password`), and any value that
 * came from an environment variable whose name names a secret.
 */
export function redactConfig(config: AdapterConfig, secretOptions: readonly string[] = []): string {
  const lines = config.entries.map((e) => {
    const secret = isSecretKey(e.key) || secretOptions.includes(e.key) || e.vars.some(isSecretKey);
    return `${e.key}=${secret ? REDACTED : e.value}`;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Values to scrub from logs, errors and bundles: the values of secret keys (by name or declared by
 * the transport), values built from secret-named variables, and every variable substituted into
 * such a value (pass the same `env` the config was parsed with).
 */
export function configSecrets(
  config: Pick<AdapterConfig, 'entries'>,
  secretOptions: readonly string[] = [],
  env: Readonly<Record<string, string | undefined>> = {},
): string[] {
  const secret = config.entries.filter(
    (e) => isSecretKey(e.key) || secretOptions.includes(e.key) || e.vars.some(isSecretKey),
  );
  // The value, and each variable substituted into it (a password inside a URL is its own secret).
  const own = (v: string) => (Object.hasOwn(env, v) && typeof env[v] === 'string' ? env[v] : '');
  const values = secret.flatMap((e) => [e.value, ...e.vars.map(own)]);
  return [...new Set(values.filter((v) => v.length > 0))];
}
