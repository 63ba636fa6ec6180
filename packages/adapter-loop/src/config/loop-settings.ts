import { z } from 'zod';
import { kv } from '../transport/options.js';
import { ConfigError } from './config-error.js';
import type { ConfigEntry } from './parse.js';

/** The integer `loop.*` settings (see `LOOP_LIMITS`). Units: messages, bytes, ms. */
export interface NumericLoopSettings {
  readonly batchMaxMessages: number;
  readonly batchMaxBytes: number;
  readonly lingerMs: number;
  readonly maxRetries: number;
  readonly retryMinDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly snapshotIntervalMs: number;
  /** An adapter with an open, a send or an ack outstanding this long without an answer is `stalled`. */
  readonly stallAfterMs: number;
  /** An adapter failing this long without recovering makes `/healthz` answer 503. */
  readonly healthFailureWindowMs: number;
}

/** `loop.*` settings of the adapter config, with defaults. Units: messages, bytes, ms. */
export interface LoopSettings extends NumericLoopSettings {
  /**
   * What happens to a message refused permanently: `stop_pipeline` (default) or `dead_letter`
   * (needs the `dead_letter.*` binding). See `LoopOptions.failurePolicy`.
   */
  readonly failurePolicy: 'stop_pipeline' | 'dead_letter';
}

/** Range and default of each `loop.*` setting: `[min, max, default]`, integers. */
export const LOOP_LIMITS: Readonly<
  Record<keyof NumericLoopSettings, readonly [number, number, number]>
> = {
  batchMaxMessages: [1, 1_000_000, 1024],
  batchMaxBytes: [1, 1 << 30, 1_048_576],
  lingerMs: [0, 60_000, 5],
  maxRetries: [0, 1_000_000, 10],
  retryMinDelayMs: [1, 3_600_000, 100],
  retryMaxDelayMs: [1, 3_600_000, 30_000],
  shutdownTimeoutMs: [1, 3_600_000, 30_000],
  snapshotIntervalMs: [50, 3_600_000, 1000],
  stallAfterMs: [100, 3_600_000, 30_000],
  healthFailureWindowMs: [1000, 3_600_000, 60_000],
};

const schema: z.ZodType<LoopSettings> & { shape: Record<string, unknown> } = z.strictObject({
  ...(Object.fromEntries(
    Object.entries(LOOP_LIMITS).map(([k, [min, max, dflt]]) => [k, kv.int(min, max).default(dflt)]),
  ) as Record<keyof NumericLoopSettings, z.ZodDefault<ReturnType<typeof kv.int>>>),
  failurePolicy: z
    .enum(['stop_pipeline', 'dead_letter'], {
      error: 'expected stop_pipeline (the default) or dead_letter',
    })
    .default('stop_pipeline'),
});

/** `failure_policy` → `failurePolicy`: each setting may be written in snake_case too. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Names of the `loop.*` settings. */
export const LOOP_SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

/**
 * Validates the `loop.*` entries.
 * @throws ConfigError naming the key, e.g. `adapters.kv:7:21: loop.lingerMs: expected an integer`.
 */
export function parseLoopSettings(entries: readonly ConfigEntry[], file: string): LoopSettings {
  const seen = new Map<string, ConfigEntry>();
  for (const e of entries) {
    const name = camel(e.key.slice('loop.'.length));
    const twice = seen.get(name);
    if (twice)
      throw new ConfigError(
        { file, line: e.line, column: 1, key: e.key },
        `${e.key} sets loop.${name} again (line ${twice.line} set it as ${twice.key})`,
        'keep one of the two lines',
      );
    seen.set(name, e);
  }
  const raw = Object.fromEntries([...seen].map(([name, e]) => [name, e.value]));
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name =
    issue?.code === 'unrecognized_keys'
      ? (issue.keys[0] ?? '')
      : (issue?.path.map(String).join('.') ?? '');
  const entry = seen.get(name);
  const key = entry?.key ?? `loop.${name}`;
  const place = { file, line: entry?.line ?? 1, column: entry?.column ?? 1, key };
  if (issue?.code === 'unrecognized_keys') {
    throw new ConfigError(
      { ...place, column: 1 },
      `unknown key "${key}"`,
      `loop settings are: ${LOOP_SETTING_NAMES.join(', ')} (snake_case spellings such as failure_policy are accepted too)`,
    );
  }
  throw new ConfigError(
    place,
    `${key}: ${issue?.message ?? 'invalid value'}`,
    'see docs/guide/5.adapter-config.md for the loop settings and their ranges',
  );
}
