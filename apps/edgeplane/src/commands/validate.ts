import { type Stage, validateLoopOptions } from '@edgeplane/adapter-loop';
import { checkTlsSettings, type Deployment, loadDeployment, loadSpec } from '@edgeplane/app-kit';
import { capWarnings } from '@edgeplane/errors';
import { stageCapability } from '@edgeplane/spec-kv';
import { type Command, defineCommand, specPath, str } from '../args.js';
import { importFromCli } from '../importer.js';
import { runStages } from './governed.js';
import { loopOptions } from './loop-options.js';
import { CONFIG_FLAG, discoveredConfig, printJson, SPEC_FLAG } from './shared.js';

/**
 * Builds (and closes) every stage with its `stages.<id>.*` settings, as `run` does before it
 * opens anything: a bad setting fails here with the same `invalid-config` error (exit 2).
 */
async function resolveStages(d: Deployment): Promise<void> {
  const built: Stage[] = [];
  try {
    d.spec.spec.stages.forEach((s, index) => {
      const settings = d.config.stages[s.id] ?? {};
      built.push(d.stages.resolve({ key: s.stage, id: s.id, index, settings }));
    });
  } finally {
    await Promise.all(built.map((stage) => stage.close?.()));
  }
}

export const validate: Command = defineCommand({
  name: 'validate',
  summary:
    'Check a spec (and its adapter config, when given or found next to it) without running anything',
  usage: 'edgeplane validate --spec=spec.kv [--config=adapters.kv] [--json]',
  flags: { spec: SPEC_FLAG, config: CONFIG_FLAG },
  async handler(flags, io) {
    const path = specPath(flags, io);
    // the checks `run` makes before opening: the same stage resolver, deployment and loop options
    const stages = runStages(io, false);
    const configPath = discoveredConfig(io, path, str(flags, 'config'));
    const config = configPath
      ? await loadDeployment({
          specPath: path,
          configPath,
          env: io.env,
          cwd: io.cwd,
          stages,
          importer: importFromCli,
        })
      : undefined;
    if (config) {
      validateLoopOptions(loopOptions(config, { lanePath: '', maxMessages: undefined }));
      await resolveStages(config);
    }
    const tlsWarnings = config ? await checkTlsSettings(config) : [];
    const { parsed } = config?.spec ?? (await loadSpec(path, { cwd: io.cwd, stages }));
    const warnings = capWarnings([
      ...parsed.warnings.map((w) => `${w.file}:${w.line}:${w.column}: warning: ${w.message}`),
      ...tlsWarnings.map((w) => `${configPath}: ${w}`),
    ]);
    const sideEffects =
      parsed.spec.model === 'single_ring'
        ? parsed.spec.stages.flatMap((s, i) =>
            stageCapability(s.stage)
              ? [{ stage_index: i, stage: s.stage, capability: stageCapability(s.stage) }]
              : [],
          )
        : [];
    const wiring = config
      ? `${config.config.ingress.transport} -> ${config.config.egress.transport}`
      : null;
    if (flags.json) {
      printJson(io, {
        ok: true,
        spec: path,
        spec_hash: parsed.hash,
        warnings,
        config: configPath ?? null,
        wiring,
        side_effects: sideEffects,
      });
      return 0;
    }
    for (const w of warnings) io.stderr.write(`${w}\n`);
    io.stdout.write(
      `${path}: ok (${parsed.hash}, ${parsed.spec.model === 'single_ring' ? parsed.spec.stages.length : 0} stages)\n`,
    );
    for (const e of sideEffects)
      io.stdout.write(
        `  stage ${e.stage_index} (${e.stage}) is side-effecting: capability ${e.capability} (governed: staging/prod need an approval)\n`,
      );
    if (configPath) io.stdout.write(`${configPath}: ok (ingress ${wiring})\n`);
    return 0;
  },
});
