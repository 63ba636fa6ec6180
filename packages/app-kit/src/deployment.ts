import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type AdapterConfig,
  bindingOptions,
  ConfigError,
  configSecrets,
  createStageResolver,
  EdgeplaneError,
  idleSnapshot,
  type LoopSnapshot,
  parseAdapterConfig,
  redactConfig,
  type StageResolver,
  type Transport,
  type TransportDescriptor,
  verifyLoopSpec,
} from '@edgeplane/adapter-loop';
import {
  type ParsedSpec,
  parseSpec,
  type SingleRingSpec,
  SpecParseError,
} from '@edgeplane/spec-kv';
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

async function readInput(
  path: string,
  what: string,
  flag: string,
  shown: string = path,
): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail =
      code === 'ENOENT'
        ? `${what} ${shown} does not exist`
        : `cannot read ${what} ${shown} (${code ?? 'error'})`;
    throw new EdgeplaneError(code === 'ENOENT' ? 'not-found' : 'invalid-input', 'app-kit', detail, {
      hint: `check the path given to ${flag}`,
      cause: error,
    });
  }
}

/**
 * Reads and validates a SingleRing spec.
 * @throws EdgeplaneError `not-found` for a missing file; SpecParseError for an invalid spec;
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
  readonly stages: StageResolver;
  /** Secret values to scrub from anything printed. */
  readonly secrets: readonly string[];
  /** The config with secrets redacted, as `key=value` text. */
  readonly redactedConfig: string;
}

/** The adapter config path: `--config=`, else `adapters.kv` next to the spec. */
export function configPathFor(specPath: string, explicit?: string): string {
  return explicit ?? join(dirname(specPath), DEFAULT_CONFIG_FILE);
}

/** Reads and validates the adapter config and each binding's options. */
export async function loadConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  importer?: (specifier: string) => Promise<unknown>,
): Promise<{
  config: AdapterConfig;
  ingress: ResolvedBinding;
  egress: ResolvedBinding;
  secrets: string[];
  redacted: string;
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
  const bind = async (
    b: AdapterConfig['ingress'],
  ): Promise<ResolvedBinding & { secretKeys: string[] }> => {
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
        throw new ConfigError(
          place,
          error.detail ?? error.message,
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
  const secretKeys = [...ingress.secretKeys, ...egress.secretKeys];
  return {
    config,
    ingress,
    egress,
    secrets: configSecrets(config, secretKeys, env),
    redacted: redactConfig(config, secretKeys),
  };
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
    stages,
    secrets: loaded.secrets,
    redactedConfig: loaded.redacted,
  };
}

/** The idle snapshot of a deployment that is not running: both adapters `ready`, counts 0. */
export function idleSnapshotFor(d: Pick<Deployment, 'spec' | 'ingress' | 'egress'>): LoopSnapshot {
  const side = (b: ResolvedBinding, role: string) => ({
    name: b.name ?? `${b.descriptor.name}-${role}`,
    transport: b.descriptor.name,
  });
  return idleSnapshot({
    specName: d.spec.spec.name,
    specHash: d.spec.parsed.hash,
    capacity: d.spec.spec.capacity,
    stageIds: d.spec.spec.stages.map((s) => s.id),
    ingress: side(d.ingress, 'ingress'),
    egress: side(d.egress, 'egress'),
  });
}
