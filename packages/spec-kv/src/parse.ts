import { encodeSpec } from './encode.js';
import { hashCanonical } from './hash.js';
import { lex } from './lex.js';
import { lower } from './lower.js';
import type { ParsedSpec, ParseSpecOptions } from './types.js';
import { validate } from './validate.js';

/**
 * Parses and validates a `spec.kv` (reference decision 1; v1 semantics), in canonical or hub
 * authoring form, from text or raw bytes. Returns the spec with defaults filled in, the
 * warnings (unknown keys), the canonical text and its hash.
 *
 * Fails closed: the first problem throws a `SpecParseError` (code `invalid-config`) whose
 * message is `file:line:column: detail` and whose `hint` is the fix. It throws nothing else.
 *
 * @example
 * const { spec, hash } = parseSpec('name=orders\nsingle_ring.stages.0.id=pass\n');
 */
export function parseSpec(input: string | Uint8Array, options?: ParseSpecOptions): ParsedSpec {
  const file = options?.file ?? 'spec.kv';
  const knownStages = options?.knownStages ?? [];
  const lexed = lex(input, file);
  const { entries, form } = lower(lexed.entries, file);
  const { spec, warnings } = validate(lexed, entries, { file, form, knownStages });
  const canonical = encodeSpec(spec);
  return { spec, warnings, canonical, hash: hashCanonical(canonical) };
}
