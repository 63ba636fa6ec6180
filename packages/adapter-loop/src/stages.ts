import { EdgeplaneError } from '@edgeplane/errors';
import { closestMatch } from '@edgeplane/spec-kv';
import type { OutboundMessage } from './transport/types.js';

/** What a stage sees and returns: the bytes, key and headers of one message. */
export type StageMessage = OutboundMessage;

/** Per-call context of a stage. */
export interface StageContext {
  /** The stage's id from the spec (`single_ring.stages.N.id`). */
  readonly id: string;
  /** The stage's index in the ring (0-based). */
  readonly index: number;
  /** Aborts when the loop stops hard. */
  readonly signal: AbortSignal;
}

const REJECTION: unique symbol = Symbol.for('edgeplane.stage-rejection');

/**
 * A stage's refusal of one message (see `rejectMessage`): returned in that message's place.
 * The loop applies its failure policy: `stop_pipeline` acknowledges what precedes the message
 * and stops; `dead_letter` sends the message, as the stage received it, to the dead-letter
 * binding with the error, and goes on.
 */
export interface StageRejection {
  readonly [REJECTION]: true;
  /** Why: a permanent error, usually `invalid-input` (the message does not parse or conform). */
  readonly error: EdgeplaneError;
}

/**
 * Refuses one message in a stage's output (instead of throwing, which stops the loop whatever
 * the failure policy). `error` must be permanent (`invalid-input`, `too-large`, ...): a refusal
 * that may pass later is the stage's to retry, or a thrown error.
 * @example
 * process: (ms) => ms.map((m) => (isJson(m.body) ? m : rejectMessage(new EdgeplaneError('invalid-input', 'stage:parse', 'not JSON'))))
 */
export function rejectMessage(error: EdgeplaneError): StageRejection {
  return { [REJECTION]: true, error };
}

/** True for a `rejectMessage()` value. */
export function isStageRejection(value: unknown): value is StageRejection {
  return typeof value === 'object' && value !== null && REJECTION in value;
}

/** One output slot of a stage: a message, `null` (dropped: filtered) or a rejection. */
export type StageOutput = StageMessage | null | StageRejection;

/**
 * One stage of a SingleRing. `process` gets a run of consecutive ring slots and returns one
 * output per input, in order: a message (the same object, or a new one), `null` to drop it
 * (filtered: counted, acknowledged once the egress took what precedes it), or
 * `rejectMessage(error)` to refuse it (the loop's failure policy applies).
 * Returning the input array itself means "unchanged" (the fast path of `identity`).
 * Throwing stops the loop without acknowledging, whatever the failure policy (a bug, or a
 * failure of the stage itself rather than of one message).
 */
export interface Stage {
  /** The stage key it was resolved from, e.g. `identity`, `http_post:http://127.0.0.1/x`. */
  readonly key: string;
  /** Governed side-effect capability (`http_post`, `exec`), or undefined for pure stages. */
  readonly capability?: string | undefined;
  process(
    messages: readonly StageMessage[],
    context: StageContext,
  ): readonly StageOutput[] | Promise<readonly StageOutput[]>;
  /** Releases resources when the loop ends. */
  close?(): Promise<void>;
}

/** What a factory is given: the stage's identity plus its settings (`stages.<id>.*` in the config). */
export interface StageFactoryContext {
  readonly key: string;
  readonly id: string;
  readonly index: number;
  readonly settings: Readonly<Record<string, string>>;
}

/** Builds a stage for a key. Throw an `invalid-config` EdgeplaneError for bad settings. */
export type StageFactory = (context: StageFactoryContext) => Stage;

/** Resolves stage keys to stages (reference 2.3 `StageResolver`). */
export interface StageResolver {
  /** True when the key is registered exactly or by a `prefix:` entry. */
  has(key: string): boolean;
  /** Registered keys; prefix entries end with `:` (e.g. `http_post:`). */
  keys(): readonly string[];
  /**
   * @throws EdgeplaneError `invalid-config` for an unknown key, naming the known ones.
   */
  resolve(context: StageFactoryContext): Stage;
}

/** The built-in `identity` stage: forwards every message unchanged. */
export const identityStage: StageFactory = () => ({
  key: 'identity',
  process: (messages) => messages,
});

/**
 * Creates a resolver with `identity` built in plus the given factories. A key ending in `:`
 * registers a parameterised family (`http_post:` resolves `http_post:<url>`).
 * @example
 * const stages = createStageResolver({ uppercase: () => ({ key: 'uppercase', process: (ms) => ms.map(up) }) });
 */
export function createStageResolver(
  factories: Readonly<Record<string, StageFactory>> = {},
): StageResolver {
  const table = new Map<string, StageFactory>([
    ['identity', identityStage],
    ...Object.entries(factories),
  ]);
  const lookup = (key: string): StageFactory | undefined => {
    const exact = table.get(key);
    if (exact) return exact;
    const colon = key.indexOf(':');
    return colon > 0 ? table.get(key.slice(0, colon + 1)) : undefined;
  };
  return {
    has: (key) => lookup(key) !== undefined,
    keys: () => [...table.keys()],
    resolve(context) {
      const factory = lookup(context.key);
      if (!factory) throw unknownStage(context, [...table.keys()]);
      return factory(context);
    },
  };
}

/**
 * The error for a stage key no resolver entry matches: names the stage (index, id), the closest
 * registered key when it looks like a typo, and every registered key (`prefix:<…>` for families).
 * `where` prefixes the message (e.g. `spec.stages[0].stage: `).
 */
export function unknownStage(
  context: Pick<StageFactoryContext, 'key' | 'id' | 'index'>,
  registered: readonly string[],
  where = '',
): EdgeplaneError {
  const near = closestMatch(context.key, registered);
  const shown = registered.map((k) => (k.endsWith(':') ? `${k}<…>` : k)).join(', ');
  return new EdgeplaneError(
    'invalid-config',
    'adapter-loop',
    `${where}unknown stage "${context.key}" (stage ${context.index}, id "${context.id}")`,
    {
      details: { stage: context.id, index: context.index, key: context.key, closest: near },
      hint: `${near ? `did you mean "${near}"? ` : ''}registered stages: ${shown}; register custom stages with createStageResolver()`,
    },
  );
}
