import type { StageFactoryContext, StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import type { ActionCapability, ActionCounts, ActionStage, ActionStageOptions } from './types.js';

/** `(stage 1, id "notify")`, appended to messages so the operator finds the spec line. */
export function where(context: Pick<StageFactoryContext, 'index' | 'id'>): string {
  return `(stage ${context.index}, id ${JSON.stringify(context.id)})`;
}

/** Fails closed on stage settings (`stages.<id>.*`) this stage does not know. */
export function rejectSettings(
  context: StageFactoryContext,
  component: string,
  known: readonly string[],
): void {
  const unknown = Object.keys(context.settings).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const accepted = known.length
    ? known.map((k) => `\`stages.${context.id}.${k}\``).join(', ')
    : 'none';
  throw new EdgeplaneError(
    'invalid-config',
    component,
    `unknown setting \`stages.${context.id}.${unknown[0]}\` ${where(context)}`,
    {
      details: { stage: context.key, setting: unknown[0] },
      hint: `settings this stage accepts: ${accepted}`,
    },
  );
}

/**
 * Counts, records and wraps one action stage: `run` executes a batch; in dry-run it is never
 * called. The stage always forwards its input unchanged (it returns the same array).
 */
export class ActionTally {
  private executed = 0;
  private skipped = 0;
  private retries = 0;
  private failed = 0;
  readonly dryRun: boolean;

  constructor(
    private readonly context: StageFactoryContext,
    private readonly capability: ActionCapability,
    private readonly options: ActionStageOptions,
  ) {
    this.dryRun = options.dryRun ?? false;
  }

  retried(n: number): void {
    this.retries += n;
  }

  private record(
    messages: readonly StageMessage[],
    outcome: 'executed' | 'dry_run' | 'failed',
  ): void {
    if (!this.options.record) return;
    let bytes = 0;
    for (const m of messages) bytes += m.body.byteLength;
    try {
      this.options.record({
        stageId: this.context.id,
        key: this.context.key,
        capability: this.capability,
        messages: messages.length,
        bytes,
        dryRun: this.dryRun,
        outcome,
      });
    } catch {
      // a failing recorder must not stop the pipeline
    }
  }

  stage(
    run: (messages: readonly StageMessage[], signal: AbortSignal) => Promise<void>,
    close?: () => Promise<void>,
  ): ActionStage {
    const counts = (): ActionCounts => ({
      executed: this.executed,
      dryRun: this.skipped,
      retries: this.retries,
      failed: this.failed,
    });
    return {
      key: this.context.key,
      capability: this.capability,
      dryRun: this.dryRun,
      counts,
      process: async (messages, stageContext) => {
        if (this.dryRun) {
          this.skipped += messages.length;
          this.record(messages, 'dry_run');
          return messages;
        }
        try {
          await run(messages, stageContext.signal);
        } catch (error) {
          this.failed++;
          this.record(messages, 'failed');
          throw error;
        }
        this.executed += messages.length;
        this.record(messages, 'executed');
        return messages;
      },
      ...(close ? { close } : {}),
    };
  }
}
