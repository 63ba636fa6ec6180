import type { Stage } from '@edgeplane/adapter-loop';

/** Side-effect capability of an action stage (reference decision 2). */
export type ActionCapability = 'http_post' | 'exec';

/** One processed batch of an action stage, for audits and dry-run reports. */
export interface ActionRecord {
  /** Stage id from the spec. */
  readonly stageId: string;
  /** The stage key (its identity), e.g. `http_post:https://hooks.example.com/x`. */
  readonly key: string;
  readonly capability: ActionCapability;
  /** Messages in the batch; in dry-run, the messages that would have been sent. */
  readonly messages: number;
  /** Sum of body bytes. */
  readonly bytes: number;
  readonly dryRun: boolean;
  /** `executed`, `dry_run` (recorded, not executed) or `failed`. */
  readonly outcome: 'executed' | 'dry_run' | 'failed';
}

/** Running totals of an action stage. */
export interface ActionCounts {
  /** Messages delivered (POSTed, or written to a child that exited 0). */
  readonly executed: number;
  /** Messages recorded without executing (dry-run). */
  readonly dryRun: number;
  /** HTTP attempts that were retries (http_post). */
  readonly retries: number;
  /** Batches that failed (the loop stops on the first). */
  readonly failed: number;
}

/** An action stage: a `Stage` with its capability and counts. */
export interface ActionStage extends Stage {
  readonly capability: ActionCapability;
  readonly dryRun: boolean;
  counts(): ActionCounts;
}

/** Options of `actionStageFactories`. */
export interface ActionStageOptions {
  /** Record (count) but do not execute: no POST is sent, no process is spawned. Default false. */
  readonly dryRun?: boolean;
  /** Called once per processed batch; must not throw. */
  readonly record?: (record: ActionRecord) => void;
  /** A WHATWG fetch for http_post; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}
