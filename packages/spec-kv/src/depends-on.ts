import { printable } from '@edgeplane/errors';
import { fail } from './errors.js';
import { type Entry, parseDecimal } from './lex.js';
import { dependencyProblem } from './rules.js';
import { valueAt } from './stage-group.js';

const fixed = (deps: readonly number[]): string =>
  [...new Set(deps)].sort((a, b) => a - b).join(',');

/** Parses `depends_on`: empty, or comma-separated decimal indices without spaces. */
function parseList(entry: Entry, index: number, file: string): number[] {
  if (entry.value === '') return [];
  const deps = entry.value.split(',').map(parseDecimal);
  if (deps.every((d) => d !== undefined)) return deps as number[];
  throw fail(
    file,
    valueAt(entry),
    `${printable(entry.origin)}: expected comma-separated stage indices such as "0,1", got "${printable(entry.value)}"`,
    index === 0
      ? `write ${printable(entry.origin)}= (stage 0 reads from ingress)`
      : `write ${printable(entry.origin)}=${index - 1} (indices of earlier stages, no spaces)`,
  );
}

/**
 * Validates one stage's `depends_on` (v1 semantics): every index refers to an earlier stage
 * (so stages are in topological order), the list is strictly increasing with no duplicates,
 * and a non-source stage whose key is not `identity` declares the key explicitly
 * (`depends_on=` with an empty list counts as declared: it reads from the ring head).
 *
 * @throws SpecParseError at the `depends_on` value (or the stage key for a missing declaration).
 */
export function checkDependencies(
  index: number,
  fields: ReadonlyMap<string, Entry>,
  stage: string,
  ids: readonly string[],
  file: string,
): number[] {
  const entry = fields.get('depends_on');
  const self = `stage ${index} ("${printable(ids[index] ?? '')}")`;
  if (!entry) {
    const at = fields.get('stage') ?? (fields.get('id') as Entry);
    if (index === 0 || stage === 'identity') return [];
    const key = at.origin.replace(/\.[a-z_]+$/, '.depends_on');
    throw fail(
      file,
      valueAt(at),
      `${self} runs "${printable(stage)}" but declares no depends_on; a non-source stage that is not identity must declare its dependencies`,
      `add ${printable(key)}=${index - 1} (or ${printable(key)}= to read from the ring head)`,
    );
  }
  const deps = parseList(entry, index, file);
  let previous: number | undefined;
  for (const dep of deps) {
    const problem = dependencyProblem(self, index, dep, previous, ids);
    if (problem) {
      const hint = problem.hint ?? `write ${printable(entry.origin)}=${fixed(deps)}`;
      throw fail(file, valueAt(entry), problem.detail, hint);
    }
    previous = dep;
  }
  return deps;
}
