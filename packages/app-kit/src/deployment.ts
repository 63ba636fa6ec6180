import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type AdapterConfig,
  type BindingConfig,
  bindingOptions,
  ConfigError,
  configSecrets,
  createStageResolver,
  EdgeplaneError,
  idleSnapshot,
  isSecretKey,
  type LoopSnapshot,
  parseAdapterConfig,
  redactConfig,
  type StageResolver,
  type Transport,
  type TransportDescriptor,
  verifyLoopSpec,
} from '@edgeplane/adapter-loop';
import { INPUT_LIMITS, readInputFile } from '@edgeplane/errors';
import {
  type ParsedSpec,
  parseSpec,
  type SingleRingSpec,
  SpecParseError,
} from '@edgeplane/spec-kv';
import { checkDeadLetterTarget } from './dead-letter-target.js';
import type { ConfigVariable } from './environment.js';
import { checkStageSettings } from './stage-settings.js';
import { loadTransport } from './transports.js';

/** File name of the adapter config discovered next to the spec. */
export const DEFAULT_CONFIG_FILE = 'adapters.kv';

/** A loaded spec: its path, parsed form and canonical hash. */
export interface LoadedSpec {
  readonly path: string;
  readonly parsed: ParsedSpec;
  readonly spec: SingleRingSpec;
}

/** Reads a spec or config: a regular file of at most `INPUT_LIMITS.config` (1 MiB). */
function readInput(
  path: string,
  what: string,
  flag: string,
  shown: string = path,
): Promise<Buffer> {
  return readInputFile(path, {
    what,
    maxBytes: INPUT_LIMITS.config,
    component: 'app-kit',
    from: flag,
    shown,
  });
}

/**
 * Reads and validates a SingleRing spec: a regular file of at most 1 MiB (`INPUT_LIMITS.config`).
 * @throws EdgeplaneError `not-found` for a missing file; `invalid-config` for a path that is not
 *   a regular file (a device, a FIFO) or a file over the limit; SpecParseError for an invalid spec;
 *   `invalid-config` for a LaneGraph spec (not supported by edgeplane yet, reference decision 1)
 *   and for ring settings the loop refuses (`single_ring.shards` > 1).
 */
export async function loadSpec(
  path: string,
  options: { readonly cwd?: string; readonly stages?: StageResolver } = {},
): Promise<LoadedSpec> {
  const bytes = await readInput(resolve(options.cwd ?? '.', path), 'spec', '--spec=', path);
  const parsed = parseSpec(bytes, { file: path, knownStages: options.stages?.keys() });
  if (parsed.spec.model !== 'single_ring') {
    throw new EdgeplaneError(
      'invalid-config',
      'app-kit',
      `${path}: LaneGraph specs are not supported by edgeplane yet`,
      {
        hint: 'edgeplane runs SingleRing specs (model=single_ring); see docs/guide/3.specs.md',
      },
    );
  }
  refuseWhatTheLoopCannotRun(parsed.spec, bytes, path);
  return { path, parsed, spec: parsed.spec };
}

/** `verifyLoopSpec` (several shards are refused), reported at the spec line that asks for it. */
function refuseWhatTheLoopCannotRun(spec: SingleRingSpec, bytes: Buffer, file: string): void {
  try {
    verifyLoopSpec(spec);
  } catch (error) {
    const e = EdgeplaneError.from(error, 'app-kit', 'invalid-config');
    const field = String(e.details?.field ?? '').replace(/^spec\./, '');
    const lines = bytes.toString('latin1').split('\n');
    const at = lines.findIndex((l) => new RegExp(`^\\s*[a-z_.]+\\.${field}\\s*=`).test(l));
    const key = at >= 0 ? (lines[at]?.split('=')[0]?.trim() ?? field) : field;
    const detail = e.detail.replace(/^spec\.[a-zA-Z]+: /, `${key}: `);
    const column = at >= 0 ? (lines[at]?.indexOf('=') ?? 0) + 2 : 1;
    throw new SpecParseError({ file, line: at + 1 || 1, column, key, detail, hint: e.hint ?? '' });
  }
}

/** A resolved binding: descriptor, validated options and the transport it created. */
export interface ResolvedBinding {
  readonly descriptor: TransportDescriptor;
  readonly options: unknown;
  readonly transport: Transport;
  readonly name: string | undefined;
}

/** Everything `run` needs: spec, config, both transports, secrets to redact. */
export interface Deployment {
  readonly spec: LoadedSpec;
  readonly configPath: string;
  readonly config: AdapterConfig;
  readonly ingress: ResolvedBinding;
  readonly egress: ResolvedBinding;
  /** The `dead_letter.*` binding (with `loop.failurePolicy=dead_letter`), or undefined. */
  readonly deadLetter: ResolvedBinding | undefined;
  readonly stages: StageResolver;
  /** Secret values to scrub from anything printed. */
  readonly secrets: readonly string[];
  /** The config with secrets redacted, as `key=value` text. */
  readonly redactedConfig: string;
  /** The environment variables the config interpolates, and whether each feeds a secret. */
  readonly variables: readonly ConfigVariable[];
}

/** The adapter config path: `--config=`, else `adapters.kv` next to the spec. */
export function configPathFor(specPath: string, explicit?: string): string {
  return explicit ?? join(dirname(specPath), DEFAULT_CONFIG_FILE);
}

/**
 * Reads and validates the adapter config (a regular file of at most 1 MiB, `INPUT_LIMITS.config`)
 * and each binding's options.
 */
export async function loadConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  importer?: (specifier: string) => Promise<unknown>,
): Promise<{
  config: AdapterConfig;
  ingress: ResolvedBinding;
  egress: ResolvedBinding;
  deadLetter: ResolvedBinding | undefined;
  secrets: string[];
  redacted: string;
  variables: ConfigVariable[];
}> {
  if (!existsSync(resolve(cwd, path))) {
    throw new EdgeplaneError('not-found', 'app-kit', `adapter config ${path} does not exist`, {
      hint: `give the config path (\`configPath\`, CLI \`--config=<file>\`), or put ${DEFAULT_CONFIG_FILE} next to the spec (docs/guide/5.adapter-config.md)`,
    });
  }
  const config = parseAdapterConfig(
    await readInput(resolve(cwd, path), 'adapter config', '--config=', path),
    {
      file: path,
      env: { ...env, EDGEPLANE_CONFIG_DIR: dirname(resolve(cwd, path)) },
    },
  );
  const bind = async (b: BindingConfig): Promise<ResolvedBinding & { secretKeys: string[] }> => {
    const searchDirs = [dirname(resolve(cwd, path)), cwd];
    const descriptor = await loadTransport(b.transport, cwd, importer, searchDirs).catch(
      (error: EdgeplaneError) => {
        const entry = config.entries.find((e) => e.key === `${b.role}.transport`);
        const place = {
          file: path,
          line: entry?.line ?? 1,
          column: entry?.column ?? 1,
          key: `${b.role}.transport`,
        };
        const detail = error.detail ?? error.message;
        throw new ConfigError(
          place,
          error.details?.notRegularFile ? `\`${place.key}\`: ${detail}` : detail,
          error.hint ?? 'see `edgeplane transports`',
          error,
        );
      },
    );
    const options = bindingOptions(config, b, descriptor);
    const secretKeys = descriptor
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => `${b.role}.${o.name}`);
    return { descriptor, options, transport: descriptor.create(options), name: b.name, secretKeys };
  };
  const ingress = await bind(config.ingress);
  const egress = await bind(config.egress);
  checkDeadLetterTarget(config, cwd);
  const deadLetter = config.deadLetter ? await bind(config.deadLetter) : undefined;
  const secretKeys = [
    ...ingress.secretKeys,
    ...egress.secretKeys,
    ...(deadLetter?.secretKeys ?? []),
  ];
  return {
    config,
    ingress,
    egress,
    deadLetter,
    secrets: configSecrets(config, secretKeys, env),
    redacted: redactConfig(config, secretKeys),
    variables: configVariables(config, secretKeys),
  };
}

/**
 * The variables interpolated into the config; `secret` with the same rule as `redactConfig`: the
 * key names a secret, the transport declares the option secret, or a secret-named variable is in it.
 */
function configVariables(config: AdapterConfig, secretKeys: readonly string[]): ConfigVariable[] {
  return config.entries.flatMap((e) => {
    const secret = isSecretKey(e.key) || secretKeys.includes(e.key) || e.vars.some(isSecretKey);
    return e.vars.map((name) => ({ name, secret }));
  });
}

/**
 * Loads a whole deployment: spec, adapter config and both transports (created, not opened).
 * Relative paths resolve against `cwd`.
 * @throws EdgeplaneError / SpecParseError / ConfigError, all naming the file and the fix.
 */
export async function loadDeployment(input: {
  readonly specPath: string;
  readonly configPath?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stages?: StageResolver | undefined;
  /** Resolves transport packages from the caller's location (see `loadTransport`). */
  readonly importer?: ((specifier: string) => Promise<unknown>) | undefined;
}): Promise<Deployment> {
  const stages = input.stages ?? createStageResolver();
  const spec = await loadSpec(input.specPath, { cwd: input.cwd, stages });
  const configPath = configPathFor(input.specPath, input.configPath);
  const loaded = await loadConfig(configPath, input.env, input.cwd, input.importer);
  checkStageSettings(spec.spec, spec.path, loaded.config);
  return {
    spec,
    configPath,
    config: loaded.config,
    ingress: loaded.ingress,
    egress: loaded.egress,
    deadLetter: loaded.deadLetter,
    stages,
    secrets: loaded.secrets,
    redactedConfig: loaded.redacted,
    variables: loaded.variables,
  };
}

/** The idle snapshot of a deployment that is not running: both adapters `ready`, counts 0. */
export function idleSnapshotFor(
  d: Pick<Deployment, 'spec' | 'ingress' | 'egress'> & Partial<Pick<Deployment, 'deadLetter'>>,
): LoopSnapshot {
  const side = (b: ResolvedBinding, role: string) => ({
    name: b.name ?? `${b.descriptor.name}-${role}`,
    transport: b.descriptor.name,
  });
  return idleSnapshot({
    specName: d.spec.spec.name,
    specHash: d.spec.parsed.hash,
    capacity: d.spec.spec.capacity,
    stageIds: d.spec.spec.stages.map((s) => s.id),
    stageKeys: d.spec.spec.stages.map((s) => s.stage),
    ingress: side(d.ingress, 'ingress'),
    egress: side(d.egress, 'egress'),
    deadLetter: d.deadLetter ? side(d.deadLetter, 'dead-letter') : undefined,
  });
}
