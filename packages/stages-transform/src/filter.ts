import type { StageFactory, StageOutput } from '@edgeplane/adapter-loop';
import { compileCel, evaluationProblem } from './cel.js';
import { readJson } from './json-body.js';
import { refuse, refuseError } from './refuse.js';
import { component, rejectUnknownSettings } from './setting-checks.js';

/** Settings of `filter`. */
export const FILTER_SETTINGS: readonly string[] = ['expression'];

/**
 * `filter`: keeps a message when the CEL expression `stages.<id>.expression` is true for it,
 * drops it (`null`: counted as `filtered`, acknowledged in order) when false. The expression sees
 * the JSON body's top-level fields and `body`, `key`, `headers` (see `compileCel`). A body that is
 * not JSON, an evaluation error (a missing field, a type mismatch) or a result that is not a bool
 * refuses the message as invalid input. The kept message is the same object (its parsed value
 * goes on to the next stage).
 * @throws EdgeplaneError `invalid-config` for a missing expression, a syntax or type error (with
 *   its column), a non-bool expression, or an unknown setting.
 * @example
 * // adapters.kv: stages.errors.expression=level == "error" && !message.contains("mod_jk")
 */
export const filterStage: StageFactory = (context) => {
  rejectUnknownSettings(context, FILTER_SETTINGS);
  const program = compileCel(context, 'expression', 'level == "error"', ['bool']);
  const id = component(context);
  return {
    key: context.key,
    process: (messages) => {
      const out: StageOutput[] = new Array(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as (typeof messages)[number];
        let body: unknown;
        try {
          body = readJson(m);
        } catch (error) {
          out[i] = refuseError(id, error);
          continue;
        }
        let kept: unknown;
        try {
          kept = program.evaluate(body, m);
        } catch (error) {
          const { detail, column } = evaluationProblem(program.source, error);
          out[i] = refuse(id, `filter expression failed: ${detail}`, {
            details: column === undefined ? {} : { column },
            hint: 'guard fields that may be absent, e.g. has(body.level) && body.level == "error"',
          });
          continue;
        }
        if (kept === true) out[i] = m;
        else if (kept === false) out[i] = null;
        else out[i] = refuse(id, `filter expression gave ${describe(kept)}, not a bool`);
      }
      return out;
    },
  };
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a map';
  return `a ${typeof value}`;
}
