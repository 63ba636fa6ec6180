import { createLoop } from '@edgeplane/adapter-loop';
import { loadDeployment, renderSnapshot, renderSummary } from '@edgeplane/app-kit';
import { type Command, defineCommand, int, specPath, str } from '../args.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { importFromCli } from '../importer.js';
import { startProgress } from '../progress.js';
import { lanePathFor } from './lane.js';
import { runSp } from './run-sp.js';
import { CONFIG_FLAG, LANE_FLAG, printJson, SPEC_FLAG } from './shared.js';

export const run: Command = defineCommand({
  name: 'run',
  summary: "Run the adapter loop: one ingress, the spec's stages, one egress (at-least-once)",
  usage:
    'edgeplane run --spec=spec.kv [--config=adapters.kv] [--adapter-max-messages=N] [--lane-path=DIR] [--json]\n       edgeplane run --sp --spec=spec.kv [--input=FILE|-]',
  flags: {
    spec: SPEC_FLAG,
    config: CONFIG_FLAG,
    'lane-path': LANE_FLAG,
    'adapter-max-messages': {
      type: 'string',
      description: 'bounded drain: move exactly N messages, acknowledge them and exit',
      placeholder: 'N',
    },
    sp: {
      type: 'boolean',
      description: 'one-shot bring-up: run the stages over --input, print the output, no adapters',
    },
    input: {
      type: 'string',
      description: 'with --sp: input lines from a file, or - for standard input (default)',
      placeholder: 'FILE|-',
    },
  },
  async handler(flags, io) {
    if (flags.sp) return runSp(flags, io);
    const maxMessages = int(flags, 'adapter-max-messages');
    const d = await loadDeployment({
      importer: importFromCli,
      specPath: specPath(flags, io),
      configPath: str(flags, 'config'),
      env: io.env,
      cwd: io.cwd,
    });
    const lanePath = await lanePathFor(flags, io, d.spec.spec.name);
    const settings = d.config.loop;
    const loop = createLoop({
      spec: d.spec.spec,
      specHash: d.spec.parsed.hash,
      ingress: { transport: d.ingress.transport, name: d.ingress.name },
      egress: { transport: d.egress.transport, name: d.egress.name },
      stages: d.stages,
      stageSettings: d.config.stages,
      batch: {
        maxMessages: settings.batchMaxMessages,
        maxBytes: settings.batchMaxBytes,
        lingerMs: settings.lingerMs,
      },
      retry: {
        maxRetries: settings.maxRetries,
        minDelayMs: settings.retryMinDelayMs,
        maxDelayMs: settings.retryMaxDelayMs,
      },
      shutdownTimeoutMs: settings.shutdownTimeoutMs,
      snapshotIntervalMs: settings.snapshotIntervalMs,
      maxMessages,
      lanePath,
      secrets: d.secrets,
    });
    let signalled: 'SIGINT' | 'SIGTERM' | undefined;
    const uninstall = io.onSignal((signal) => {
      signalled ??= signal;
      loop.stop();
    });
    const stopProgress = startProgress(io, () => loop.snapshot().egress_messages, maxMessages);
    const result = await loop.run().finally(() => {
      stopProgress();
      uninstall();
    });
    if (flags.json)
      printJson(io, {
        ...result,
        error: result.error ? result.error.message : null,
        snapshot: result.snapshot,
        lane_path: lanePath,
      });
    else io.stdout.write(`${renderSummary(result)}\n${renderSnapshot(result.snapshot)}`);
    if (result.error) {
      io.stderr.write(
        `error: ${result.error.message}\n${result.error.hint ? `hint: ${result.error.hint}\n` : ''}`,
      );
      return result.failedDuring === 'open' ? exitCodeFor(result.error.code) : EXIT.runtime;
    }
    if (signalled) return signalled === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    return EXIT.ok;
  },
});
