import { idleSnapshotFor, loadDeployment, loadSpec, writeIncidentBundle } from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, specPath, str } from '../args.js';
import { importFromCli } from '../importer.js';
import { GOVERNANCE_FLAGS, governRun, specStages } from './governed.js';
import { laneToRead } from './lane.js';
import { CONFIG_FLAG, discoveredConfig, LANE_FLAG, printJson, SPEC_FLAG } from './shared.js';

export const incidentBundle: Command = defineCommand({
  name: 'incident-bundle',
  summary:
    'Export an incident bundle: spec, validation, runtime, policy audit, environment, snapshot, redacted config, capture',
  usage:
    'edgeplane incident-bundle --out=DIR --spec=spec.kv [--config=adapters.kv] [--lane-path=DIR] [--json]',
  flags: {
    out: {
      type: 'string',
      description: 'directory to write the bundle into (created)',
      placeholder: 'DIR',
    },
    spec: SPEC_FLAG,
    config: CONFIG_FLAG,
    'lane-path': LANE_FLAG,
    ...GOVERNANCE_FLAGS,
  },
  async handler(flags, io) {
    const out = str(flags, 'out');
    if (!out)
      throw new EdgeplaneError('invalid-input', 'cli', 'incident-bundle needs --out=DIR', {
        hint: 'e.g. edgeplane incident-bundle --out=./bundle --spec=spec.kv',
      });
    const spec = specPath(flags, io);
    const lanePath = await laneToRead(flags, io).catch(() => undefined);
    const configPath = discoveredConfig(io, spec, str(flags, 'config'));
    const loaded = configPath
      ? await loadDeployment({
          specPath: spec,
          configPath,
          env: io.env,
          cwd: io.cwd,
          stages: specStages(),
          importer: importFromCli,
        }).catch((e: Error) => e)
      : undefined;
    const config =
      loaded instanceof Error
        ? loaded
        : loaded && {
            redacted: loaded.redactedConfig,
            secrets: loaded.secrets,
            variables: loaded.variables,
            idle: idleSnapshotFor(loaded),
          };
    const redactedConfig =
      config instanceof Error
        ? `# adapter config could not be loaded: ${config.message}\n`
        : config?.redacted;
    const policyAudit = await loadSpec(spec, { cwd: io.cwd, stages: specStages() })
      .then((l) =>
        governRun(flags, io, {
          specPath: l.path,
          spec: l.spec,
          specHash: l.parsed.hash,
          lanePath: lanePath ?? '',
          enforce: false,
        }),
      )
      .then((g) => g.audit)
      .catch(() => undefined);
    const files = await writeIncidentBundle({
      policyAudit,
      out,
      specPath: spec,
      cwd: io.cwd,
      args: io.argv,
      env: io.env,
      lanePath,
      redactedConfig,
      idle: config instanceof Error ? undefined : config?.idle,
      secrets: config instanceof Error ? [] : (config?.secrets ?? []),
      configVariables: config instanceof Error ? undefined : config?.variables,
      onNote: (line) => io.stderr.write(`note: ${line}\n`),
    });
    if (flags.json) printJson(io, { out, files });
    else
      io.stdout.write(
        `incident bundle written to ${out}:\n${files.map((f) => `  ${f}`).join('\n')}\n`,
      );
    return 0;
  },
});
