import { redactText } from '@edgeplane/adapter-loop';
import {
  checkTlsSettings,
  createOpsMetrics,
  createReporter,
  loadDeployment,
  RUNTIME,
  renderCauses,
  renderSnapshot,
  renderSummary,
  startOpsListener,
} from '@edgeplane/app-kit';
import { type Command, defineCommand, int, specPath, str } from '../args.js';
import { EXIT, exitCodeForFailure } from '../exit-codes.js';
import { importFromCli } from '../importer.js';
import type { Io } from '../io.js';
import { jsonError } from '../json-error.js';
import { startProgress } from '../progress.js';
import { GOVERNANCE_FLAGS, governRun, runStages } from './governed.js';
import { lanePathFor } from './lane.js';
import { buildLoop } from './loop-options.js';
import { exitForSignal, type RunSignals, runSignals, stoppedWhileOpening } from './run-signals.js';
import { runSp } from './run-sp.js';
import { CONFIG_FLAG, LANE_FLAG, printJson, SPEC_FLAG } from './shared.js';

export const run: Command = defineCommand({
  name: 'run',
  summary: "Run the adapter loop: one ingress, the spec's stages, one egress (at-least-once)",
  usage:
    'edgeplane run --spec=spec.kv [--config=adapters.kv] [--adapter-max-messages=N] [--lane-path=DIR] [--ops-listen=127.0.0.1:PORT] [--environment=prod --approval=FILE] [--dry-run] [--json]\n       edgeplane run --sp --spec=spec.kv [--input=FILE|-]',
  flags: {
    spec: SPEC_FLAG,
    config: CONFIG_FLAG,
    'lane-path': LANE_FLAG,
    'adapter-max-messages': {
      type: 'string',
      description: 'bounded drain: move exactly N messages, acknowledge them and exit',
      placeholder: 'N',
    },
    'ops-listen': {
      type: 'string',
      description: 'serve /healthz, /readyz, /metrics, /snapshot on this loopback address',
      placeholder: '127.0.0.1:PORT',
    },
    ...GOVERNANCE_FLAGS,
    sp: {
      type: 'boolean',
      description: 'one-shot bring-up: run the stages over --input, print the output, no adapters',
    },
    input: {
      type: 'string',
      description:
        'with --sp: input lines from a regular file, or - for standard input (default); at most 64 MiB',
      placeholder: 'FILE|-',
    },
  },
  async handler(flags, io) {
    if (flags.sp) return runSp(flags, io);
    // First thing: a signal during start-up is a clean 130/143 with one line, never a silent kill.
    const signals = runSignals(io);
    try {
      return await runLoop(flags, io, signals);
    } finally {
      signals.uninstall();
    }
  },
});

async function runLoop(
  flags: Readonly<Record<string, string | boolean | string[] | undefined>>,
  io: Io,
  signals: RunSignals,
): Promise<number> {
  const maxMessages = int(flags, 'adapter-max-messages');
  const stages = runStages(io, flags['dry-run'] === true);
  const d = await loadDeployment({
    importer: importFromCli,
    specPath: specPath(flags, io),
    configPath: str(flags, 'config'),
    env: io.env,
    cwd: io.cwd,
    stages,
  });
  for (const w of await checkTlsSettings(d)) io.stderr.write(`${d.configPath}: ${w}\n`);
  const lanePath = await lanePathFor(flags, io, d.spec.spec.name);
  const governance = await governRun(flags, io, {
    specPath: d.spec.path,
    spec: d.spec.spec,
    specHash: d.spec.parsed.hash,
    lanePath,
    enforce: true,
  });
  if (signals.signalled) return signals.beforeStart();
  const metrics = createOpsMetrics();
  const loop = buildLoop(d, {
    lanePath,
    maxMessages,
    metrics,
    log: (line) => io.stderr.write(`${line}\n`),
  });
  const opsListen = str(flags, 'ops-listen');
  const ops = opsListen
    ? await startOpsListener({
        listen: opsListen,
        snapshot: () => loop.snapshot(),
        metrics,
        healthFailureWindowMs: d.config.loop.healthFailureWindowMs,
      })
    : undefined;
  if (ops) io.stderr.write(`ops listener on ${ops.url}\n`);
  if (signals.signalled) {
    await ops?.close();
    return signals.beforeStart();
  }
  const reporter = createReporter({
    env: io.env,
    snapshot: () => loop.snapshot(),
    heartbeat: () => ({
      version: RUNTIME.version,
      state: loop.snapshot().state,
      specHash: d.spec.parsed.hash,
      tuning: { requested: 'default', applied: 'default', degradedReasons: [] },
    }),
    logger: (line) => io.stderr.write(`${line}\n`),
  });
  reporter.start();
  signals.attach(loop);
  const stopProgress = startProgress(io, () => loop.snapshot().egress_messages, maxMessages);
  const result = await loop.run().finally(async () => {
    stopProgress();
    await reporter.stop();
    await ops?.close();
  });
  // what the loop writes (snapshot, last_error) is redacted already; what is printed here too
  const text = (s: string) => redactText(s, d.secrets);
  if (flags.json)
    printJson(io, {
      ...result,
      error: result.error
        ? jsonError(result.error, exitCodeForFailure(result.error.code, result.failedDuring), text)
        : null,
      lane_path: lanePath,
      policy_audit: governance.audit,
    });
  else io.stdout.write(text(`${renderSummary(result)}\n${renderSnapshot(result.snapshot)}`));
  const signal = signals.signalled;
  if (signal && stoppedWhileOpening(result, signal)) {
    io.stderr.write(
      `stopped by ${signal} while opening the transports; nothing was moved\n${text(renderCauses(result.snapshot, null))}`,
    );
    return exitForSignal(signal);
  }
  if (result.error) {
    io.stderr.write(
      `error: ${text(result.error.message)}\n${text(renderCauses(result.snapshot, result.snapshot.error))}${result.error.hint ? `hint: ${text(result.error.hint)}\n` : ''}`,
    );
    return exitCodeForFailure(result.error.code, result.failedDuring);
  }
  if (signal) return exitForSignal(signal);
  return EXIT.ok;
}
