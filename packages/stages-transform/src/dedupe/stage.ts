import {
  rejectMessage,
  type Stage,
  type StageFactoryContext,
  type StageMessage,
  type StageOutput,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/errors';
import { LRUCache } from 'lru-cache';
import { StageSettings, where } from '../settings.js';
import { dedupeDescriptor, MAX_DEDUPE_KEYS, MAX_DEDUPE_WINDOW_MS } from './descriptor.js';
import { dedupeKey, type KeySource, parseKeySource } from './key.js';

/** Component of dedupe's errors: `[stage:dedupe] ...`. */
export const DEDUPE_COMPONENT = 'stage:dedupe';

/** The settings of a `dedupe` stage, checked. */
export interface DedupeOptions {
  readonly by: KeySource;
  readonly windowCount: number;
  readonly windowMs: number | undefined;
  readonly missing: 'keep' | 'drop' | 'reject';
}

/**
 * Checks a dedupe stage's settings.
 * @throws EdgeplaneError `invalid-config` naming `stages.<id>.<setting>`.
 */
export function parseDedupeOptions(context: StageFactoryContext): DedupeOptions {
  const s = new StageSettings(context, DEDUPE_COMPONENT, dedupeDescriptor);
  const byText = s.string('by') ?? 'key';
  const by = parseKeySource(byText.trim());
  if (!by) {
    throw s.error(
      'by',
      `must be key, body, header:<name> or field:<json.path>, got ${JSON.stringify(byText)}`,
      `write e.g. stages.${context.id}.by=header:x-request-id or stages.${context.id}.by=field:order.id`,
    );
  }
  return {
    by,
    windowCount: s.int('window_count', 1, MAX_DEDUPE_KEYS, 10_000) as number,
    windowMs: s.int('window_ms', 1, MAX_DEDUPE_WINDOW_MS, 60_000),
    missing: s.oneOf('missing', ['keep', 'drop', 'reject'] as const) ?? 'keep',
  };
}

/** Test seam: the clock of the time window (default `performance`). */
export interface DedupeClock {
  now(): number;
}

/**
 * `dedupe`: drops (returns `null`: counted as filtered) a message whose key was seen within the
 * window, else passes it and remembers its key. Memory is bounded by `window_count` keys (an
 * LRU); keys over 64 characters are kept as their SHA-256. The memory is the process's: after a
 * restart, redelivered messages pass again (at-least-once).
 * A message without a key follows `missing`; with `by=field:...`, a body that is not JSON is
 * refused with `invalid-input`.
 * @throws EdgeplaneError `invalid-config` for a bad setting.
 */
export function createDedupeStage(context: StageFactoryContext, clock?: DedupeClock): Stage {
  const o = parseDedupeOptions(context);
  const seen = new LRUCache<string, true>({
    max: o.windowCount,
    ...(o.windowMs === undefined ? {} : { ttl: o.windowMs, ttlResolution: 0 }),
    ...(clock ? { perf: clock } : {}),
  });
  const refuse = (detail: string, cause?: unknown): StageOutput =>
    rejectMessage(
      new EdgeplaneError('invalid-input', DEDUPE_COMPONENT, `${detail} ${where(context)}`, {
        cause,
        hint: `fix the message at its source, or set stages.${context.id}.missing=keep`,
      }),
    );
  const one = (m: StageMessage): StageOutput => {
    let key: string | undefined;
    try {
      key = dedupeKey(m, o.by);
    } catch (error) {
      if (!isEdgeplaneError(error) || error.code !== 'invalid-input') throw error;
      return refuse('the body is not JSON (`by=field:...` reads a JSON field)', error);
    }
    if (key === undefined) {
      if (o.missing === 'keep') return m;
      if (o.missing === 'drop') return null;
      return refuse(`the message has no ${describeSource(o.by)}`);
    }
    if (seen.get(key)) return null;
    seen.set(key, true);
    return m;
  };
  return {
    key: context.key,
    process(messages) {
      let out: StageOutput[] | undefined;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as StageMessage;
        const r = one(m);
        if (r !== m) {
          out ??= messages.slice();
          out[i] = r;
        }
      }
      return out ?? messages;
    },
    async close() {
      seen.clear();
    },
  };
}

function describeSource(by: KeySource): string {
  if (by.kind === 'header') return `header ${JSON.stringify(by.name)}`;
  if (by.kind === 'field') return `field ${JSON.stringify(by.path.join('.'))}`;
  return by.kind === 'key' ? 'message key' : 'body';
}
