import { createLoop, type Loop, type LoopOptions } from '@edgeplane/adapter-loop';
import type { Deployment, OpsMetrics } from '@edgeplane/app-kit';

/** What `run` adds to a deployment to make a loop. */
export interface LoopExtras {
  lanePath: string;
  maxMessages: number | undefined;
  metrics?: OpsMetrics | undefined;
  /** Where adapter events go, one line each (stderr). */
  log?: (line: string) => void;
}

/** The loop of a deployment: spec, both bindings, stages and the config's `loop.*` settings. */
export function buildLoop(d: Deployment, extra: LoopExtras): Loop {
  return createLoop(loopOptions(d, extra));
}

/**
 * The options `buildLoop` gives `createLoop`; `validate` checks them with `validateLoopOptions`,
 * the same check `createLoop` runs, so it refuses what `run` would refuse before opening.
 */
export function loopOptions(d: Deployment, extra: LoopExtras): LoopOptions {
  const settings = d.config.loop;
  return {
    spec: d.spec.spec,
    specHash: d.spec.parsed.hash,
    ingress: { transport: d.ingress.transport, name: d.ingress.name },
    egress: { transport: d.egress.transport, name: d.egress.name },
    failurePolicy: settings.failurePolicy,
    deadLetter: d.deadLetter
      ? { transport: d.deadLetter.transport, name: d.deadLetter.name }
      : undefined,
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
    stallAfterMs: settings.stallAfterMs,
    maxMessages: extra.maxMessages,
    lanePath: extra.lanePath,
    secrets: d.secrets,
    onEgressBatch: extra.metrics?.onEgressBatch,
    onAdapterFailure: extra.metrics?.onAdapterFailure,
    onAdapterEvent: extra.log
      ? (e) => extra.log?.(`${e.role} "${e.adapter}": ${e.message}`)
      : undefined,
  };
}
