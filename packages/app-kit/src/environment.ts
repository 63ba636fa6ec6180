import { readFileSync } from 'node:fs';
import { isSecretKey, REDACTED, redactText } from '@edgeplane/adapter-loop';

/**
 * An environment variable the adapter config interpolates (`${VAR}`), with whether its value
 * feeds a secret: an option the transport declares secret, a key whose name names a secret, or a
 * value built with another secret-named variable. See `Deployment.variables`.
 */
export interface ConfigVariable {
  /** The variable's name, as written in `${…}`. */
  readonly name: string;
  /** True when the value feeds a secret; its value is then recorded as `[redacted]`. */
  readonly secret: boolean;
}

/**
 * `environment.json` of an incident bundle (reference 3.1). The environment is an **allow-list**:
 * only the variables edgeplane reads have their value recorded (see `ENVIRONMENT_PREFIXES` and
 * `environmentRecord`); every other variable appears by name with the value `null`.
 */
export interface EnvironmentRecord {
  /** The process id of the process that wrote the bundle. */
  readonly pid: number;
  /** Its working directory. */
  readonly cwd: string | null;
  /**
   * Its command line (`process.argv`), each argument scrubbed of known secret values and of the
   * values of variables whose value is not recorded.
   */
  readonly args: readonly string[];
  /**
   * Every variable, sorted by name, as `[name, value]`: the value (URL passwords and known secrets
   * redacted) for a variable on the allow-list, `"[redacted]"` for one on the allow-list whose
   * name or use is secret, and `null` (the value is not recorded) for every other variable. The
   * reference's pairs are `[string, string]`; `null` is edgeplane's addition.
   */
  readonly env: readonly (readonly [string, string | null])[];
  /** `/proc/self/status` (Linux; no environment or argv in it), known secrets redacted; else null. */
  readonly proc_status: string | null;
}

/** What `environmentRecord` needs. */
export interface EnvironmentInput {
  /** The environment to record (the CLI passes `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The command line to record. */
  readonly args: readonly string[];
  /** The working directory to record. */
  readonly cwd: string;
  /** Secret values known from elsewhere (the adapter config's), scrubbed from everything. */
  readonly secrets: readonly string[];
  /** The variables the adapter config interpolates: their values are recorded too. */
  readonly configVariables?: readonly ConfigVariable[] | undefined;
}

/** Name prefixes of the variables edgeplane itself reads; their values are recorded. */
export const ENVIRONMENT_PREFIXES: readonly string[] = ['BYTEOR_', 'EDGEPLANE_', 'NODE_'];

/**
 * Variables whose value is not recorded but is not treated as secret either: common system
 * variables whose values (paths, the user name, the locale) routinely appear in argv, where
 * scrubbing them would only hide where the bundle was written.
 */
const SYSTEM_VARIABLES: ReadonlySet<string> = new Set([
  '_',
  'HOME',
  'HOSTNAME',
  'INIT_CWD',
  'LANG',
  'LOGNAME',
  'OLDPWD',
  'PATH',
  'PWD',
  'SHELL',
  'SHLVL',
  'TERM',
  'TMPDIR',
  'TZ',
  'USER',
]);
const isSystemVariable = (name: string): boolean =>
  SYSTEM_VARIABLES.has(name) || /^(LC_|XDG_|npm_|PNPM_)/i.test(name);

/** Decides, per variable, whether its value is recorded and whether it is secret. */
function classify(input: EnvironmentInput): (name: string) => 'value' | 'redacted' | 'name' {
  const fromConfig = new Map<string, boolean>();
  for (const v of input.configVariables ?? [])
    fromConfig.set(v.name, (fromConfig.get(v.name) ?? false) || v.secret);
  return (name) => {
    const allowed = ENVIRONMENT_PREFIXES.some((p) => name.startsWith(p)) || fromConfig.has(name);
    if (!allowed) return 'name';
    return isSecretKey(name) || fromConfig.get(name) === true ? 'redacted' : 'value';
  };
}

/** Distinct values, longest first: a secret containing a shorter one is replaced whole. */
const longestFirst = (values: readonly string[]): string[] =>
  [...new Set(values)].sort((a, b) => b.length - a.length);

/**
 * The secret values an incident bundle scrubs from every file: `secrets`, the value of every
 * variable whose name names a secret (`isSecretKey`), and of every config variable feeding a secret.
 */
export function bundleSecrets(input: EnvironmentInput): string[] {
  const kind = classify(input);
  const values = Object.entries(input.env)
    .filter(([k, v]) => v && (isSecretKey(k) || kind(k) === 'redacted'))
    .map(([, v]) => v as string);
  return longestFirst([...input.secrets, ...values]);
}

/**
 * Captures the process environment for `environment.json` without leaking it. A name pattern
 * cannot find every secret (`SCRAM_PW`, `JWT`, `KAFKA_SASL_JAAS_CONFIG`…), so values are recorded
 * for an allow-list only: the variables edgeplane reads (`BYTEOR_*`, `EDGEPLANE_*`, `NODE_*`) and
 * those the adapter config interpolates (`configVariables`). Within it, a variable whose name names
 * a secret (`BYTEOR_AGENT_API_KEY`) or whose value feeds a secret option is `[redacted]`; the other
 * values have known secrets and URL passwords redacted. Every other variable is recorded by name
 * with the value `null`. `args` are scrubbed of known secrets and of the values of the variables
 * not recorded (common system variables such as `HOME` and `PWD` excepted).
 * @example
 * environmentRecord({ env: { EDGEPLANE_DEBUG: '1', DB_PWD: 'x' }, args: [], cwd: '/', secrets: [] }).env
 * // → [['DB_PWD', null], ['EDGEPLANE_DEBUG', '1']]
 */
export function environmentRecord(input: EnvironmentInput): EnvironmentRecord {
  const kind = classify(input);
  const known = bundleSecrets(input);
  const entries = Object.entries(input.env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hidden = entries
    .filter(([k]) => kind(k) === 'name' && !isSystemVariable(k))
    .map(([, v]) => v);
  const env = entries.map(([k, v]) => {
    const how = kind(k);
    const value = how === 'value' ? redactText(v, known) : how === 'redacted' ? REDACTED : null;
    return [k, value] as const;
  });
  let procStatus: string | null = null;
  try {
    procStatus = redactText(readFileSync('/proc/self/status', 'utf8'), known);
  } catch {
    procStatus = null;
  }
  return {
    pid: process.pid,
    cwd: input.cwd,
    args: input.args.map((a) =>
      redactCredential(redactText(a, longestFirst([...known, ...hidden]))),
    ),
    env,
    proc_status: procStatus,
  };
}

/** A compact JWS (an approval credential given inline, `--approval=eyJ…`): three base64url parts. */
const COMPACT_JWS = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8,}/g;

/** Replaces every inline credential (compact JWS) in one argument with `[redacted]`. */
function redactCredential(arg: string): string {
  return arg.replace(COMPACT_JWS, REDACTED);
}
