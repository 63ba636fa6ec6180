import { EdgeplaneError } from '@edgeplane/errors';
import { verifyRingSpec } from '@edgeplane/spec-kv';
import { LOOP_LIMITS } from '../config/loop-settings.js';
import { createStageResolver, unknownStage } from '../stages.js';
import type { LoopOptions, LoopSpec } from './options.js';

const invalid = (field: string, detail: string, hint: string): EdgeplaneError =>
  new EdgeplaneError('invalid-config', 'adapter-loop', `${field}: ${detail}`, {
    hint,
    details: { field },
  });

/** `value` must be undefined or an integer in [min, max]. */
function integer(field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
  throw invalid(
    field,
    `expected an integer ${range}, got ${String(value)}`,
    `pass a whole number ${range}, or leave it out for the default`,
  );
}

const limit = (field: string, value: unknown, name: keyof typeof LOOP_LIMITS): void => {
  const [min, max] = LOOP_LIMITS[name];
  integer(field, value, min, max);
};

/**
 * The ring settings the loop can honour: one shard (so `ordering=per_key` holds trivially: one
 * shard keeps every key in order), a single producer, every stage on its own task.
 */
export function verifyLoopSpec(spec: LoopSpec): void {
  verifyRingSpec(spec, { component: 'adapter-loop', label: 'spec' });
  const shards = spec.shards ?? 1;
  if (shards > 1) {
    throw invalid(
      'spec.shards',
      `the adapter loop runs one shard per loop, got ${shards}; it does not partition messages by key across rings`,
      'use shards=1 (ordering=per_key is honoured with one shard), or run one loop per partition of the input',
    );
  }
}

/**
 * Checks everything `createLoop` is given before anything runs: the spec by the `spec-kv` rules
 * plus what the loop honours, every stage key against the resolver, `stageSettings` ids, the
 * transports' roles and every numeric option.
 * @throws EdgeplaneError `invalid-config` naming the option (`spec.stages[1].dependsOn`,
 *   `maxMessages`, ...) with the fix as `hint`.
 */
export function validateLoopOptions(options: LoopOptions): void {
  verifyLoopSpec(options.spec);
  const resolver = options.stages ?? createStageResolver();
  options.spec.stages.forEach((s, index) => {
    if (!resolver.has(s.stage))
      throw unknownStage(
        { key: s.stage, id: s.id, index },
        resolver.keys(),
        `spec.stages[${index}].stage: `,
      );
  });
  const ids = new Set(options.spec.stages.map((s) => s.id));
  for (const id of Object.keys(options.stageSettings ?? {})) {
    if (!ids.has(id))
      throw invalid(
        `stageSettings.${id}`,
        `no stage with id "${id}" in spec "${options.spec.name}"`,
        `stage ids: ${[...ids].join(', ')}`,
      );
  }
  const { ingress, egress } = options;
  if (typeof ingress?.transport?.receive !== 'function')
    throw invalid(
      'ingress',
      `transport "${ingress?.transport?.name}" cannot be an ingress (it has no receive())`,
      'use a transport whose capabilities declare source: true',
    );
  if (typeof egress?.transport?.send !== 'function')
    throw invalid(
      'egress',
      `transport "${egress?.transport?.name}" cannot be an egress (it has no send())`,
      'use a transport whose capabilities declare sink: true',
    );
  const policy = options.failurePolicy ?? 'stop_pipeline';
  if (policy !== 'stop_pipeline' && policy !== 'dead_letter')
    throw invalid(
      'failurePolicy',
      `unknown failure policy "${String(policy)}"`,
      'use stop_pipeline (the default) or dead_letter',
    );
  if (policy === 'dead_letter' && !options.deadLetter)
    throw invalid(
      'deadLetter',
      'failurePolicy dead_letter needs a dead-letter binding',
      'give deadLetter: { transport } (adapter config: dead_letter.transport=<name> and its options)',
    );
  if (options.deadLetter && policy !== 'dead_letter')
    throw invalid(
      'deadLetter',
      'a dead-letter binding is given but failurePolicy is stop_pipeline: nothing would reach it',
      'set failurePolicy: dead_letter (adapter config: loop.failurePolicy=dead_letter), or remove the binding',
    );
  if (options.deadLetter && typeof options.deadLetter.transport?.send !== 'function')
    throw invalid(
      'deadLetter',
      `transport "${options.deadLetter.transport?.name}" cannot be a dead letter (it has no send())`,
      'use a transport whose capabilities declare sink: true',
    );
  const window = ingress.transport.capabilities?.maxInFlight;
  integer('ingress.transport.capabilities.maxInFlight', window, 1, Number.MAX_SAFE_INTEGER);
  integer('maxMessages', options.maxMessages, 0, Number.MAX_SAFE_INTEGER);
  limit('batch.maxMessages', options.batch?.maxMessages, 'batchMaxMessages');
  limit('batch.maxBytes', options.batch?.maxBytes, 'batchMaxBytes');
  limit('batch.lingerMs', options.batch?.lingerMs, 'lingerMs');
  limit('retry.maxRetries', options.retry?.maxRetries, 'maxRetries');
  limit('retry.minDelayMs', options.retry?.minDelayMs, 'retryMinDelayMs');
  limit('retry.maxDelayMs', options.retry?.maxDelayMs, 'retryMaxDelayMs');
  limit('shutdownTimeoutMs', options.shutdownTimeoutMs, 'shutdownTimeoutMs');
  limit('snapshotIntervalMs', options.snapshotIntervalMs, 'snapshotIntervalMs');
  limit('stallAfterMs', options.stallAfterMs, 'stallAfterMs');
}
