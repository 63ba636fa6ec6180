import {
  checkEndpoints,
  doctorResult,
  type EndpointCheck,
  loadDeployment,
  renderDoctorResult,
  runDoctor,
} from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { type Command, defineCommand, int, specPath, str } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { importFromCli } from '../importer.js';
import type { Io } from '../io.js';
import type { StopSignal } from '../signals.js';
import { runStages } from './governed.js';
import { lanePathToCheck } from './lane.js';
import { exitForSignal } from './run-signals.js';
import { CONFIG_FLAG, LANE_FLAG, printJson } from './shared.js';

/** Default of `--timeout-ms`: each transport's endpoint checks, in ms. */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 5000;

export const doctor: Command = defineCommand({
  name: 'doctor',
  summary:
    'Check the host, and with --config the real endpoints, before a run (exit 3 when not ready)',
  usage:
    'edgeplane doctor [--spec=spec.kv] [--config=adapters.kv] [--lane-path=DIR] [--timeout-ms=5000] [--json]',
  flags: {
    spec: {
      type: 'string',
      description: 'spec whose name picks the default lane path (needed with --config)',
      placeholder: 'spec.kv',
    },
    config: {
      ...CONFIG_FLAG,
      description:
        "also check the config's ingress and egress endpoints (reachable, credentials, path...); without it, the host only",
    },
    'lane-path': LANE_FLAG,
    'timeout-ms': {
      type: 'string',
      description: `budget of each transport's endpoint checks, in ms (default ${DEFAULT_DOCTOR_TIMEOUT_MS})`,
      placeholder: 'MS',
    },
  },
  async handler(flags, io) {
    const timeoutMs = timeoutFlag(flags);
    const configPath = str(flags, 'config');
    const deployment = configPath
      ? await loadDeployment({
          importer: importFromCli,
          specPath: specPath(flags, io),
          configPath,
          env: io.env,
          cwd: io.cwd,
          stages: runStages(io, false),
        })
      : undefined;
    const host = runDoctor({ lanePath: await lanePathToCheck(flags, io) });
    let signalled: StopSignal | undefined;
    const stop = new AbortController();
    const uninstall = io.onSignal((signal) => {
      signalled ??= signal;
      stop.abort();
    });
    let endpoints: EndpointCheck[] = [];
    try {
      if (deployment)
        endpoints = await checkEndpoints(deployment, { timeoutMs, signal: stop.signal });
    } finally {
      uninstall();
    }
    if (signalled) return interrupted(io, signalled);
    const result = doctorResult(host, endpoints);
    if (flags.json) printJson(io, result);
    else io.stdout.write(renderDoctorResult(result, columns(io)));
    return result.ready ? EXIT.ok : EXIT.hostNotReady;
  },
});

/** `--timeout-ms`: 1 ms to 10 minutes, default 5000. */
function timeoutFlag(flags: Readonly<Record<string, unknown>>): number {
  const value = int(flags, 'timeout-ms') ?? DEFAULT_DOCTOR_TIMEOUT_MS;
  if (value < 1 || value > 600_000)
    throw new EdgeplaneError(
      'invalid-input',
      'cli',
      `--timeout-ms must be between 1 and 600000, got ${value}`,
      { hint: `e.g. --timeout-ms=${DEFAULT_DOCTOR_TIMEOUT_MS}` },
    );
  return value;
}

/** The terminal's width when stdout is one, else 80. */
function columns(io: Io): number {
  const width = (io.stdout as { columns?: number }).columns;
  return io.stdout.isTTY && typeof width === 'number' && width >= 60 ? width : 80;
}

function interrupted(io: Io, signal: StopSignal): number {
  io.stderr.write(`stopped by ${signal}; the endpoint checks were cut short\n`);
  return exitForSignal(signal);
}
