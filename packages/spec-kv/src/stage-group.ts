import { printable } from '@edgeplane/errors';
import { fail, type Where } from './errors.js';
import { type Entry, parseDecimal } from './lex.js';

const PREFIX = 'single_ring.stages';
const FIELDS: ReadonlySet<string> = new Set(['id', 'stage', 'depends_on']);

/** True for every key under `single_ring.stages` (they are never forward-compatible extras). */
export function isStageKey(key: string): boolean {
  return key === PREFIX || key.startsWith(`${PREFIX}.`);
}

/** The entries of one stage index. */
export interface RawStage {
  readonly index: number;
  readonly first: Entry;
  readonly fields: Map<string, Entry>;
}

/** The stage-key prefix the entry was written with (`pipeline.stages` or `single_ring.stages`). */
export const prefixOf = (entry: Entry): string =>
  entry.origin.startsWith('pipeline.') ? 'pipeline.stages' : PREFIX;
/** Positions of an entry's value and key, for errors. */
export const valueAt = (e: Entry): Where => ({ line: e.line, column: e.column, key: e.origin });
export const keyAt = (e: Entry): Where => ({ line: e.line, column: 1, key: e.origin });

/** Groups `single_ring.stages.N.field` entries by N; malformed keys are errors (typo protection). */
export function groupStages(entries: readonly Entry[], file: string): RawStage[] {
  const byIndex = new Map<number, RawStage>();
  for (const entry of entries) {
    if (!isStageKey(entry.key)) continue;
    const rest = entry.key.slice(PREFIX.length + 1);
    const dot = rest.indexOf('.');
    const indexText = dot < 0 ? rest : rest.slice(0, dot);
    const field = dot < 0 ? '' : rest.slice(dot + 1);
    const index = parseDecimal(indexText);
    if (index === undefined) {
      throw fail(
        file,
        keyAt(entry),
        `invalid stage index "${printable(indexText)}" in ${printable(entry.origin)}; indices are decimal integers from 0`,
        `number the stages 0, 1, 2, ... e.g. ${prefixOf(entry)}.0.id=<id>`,
      );
    }
    if (!FIELDS.has(field)) {
      throw fail(
        file,
        keyAt(entry),
        `"${printable(entry.origin)}" is not a stage field; stage fields are id, stage and depends_on`,
        'check the spelling of the key',
      );
    }
    const stage = byIndex.get(index) ?? { index, first: entry, fields: new Map<string, Entry>() };
    stage.fields.set(field, entry);
    byIndex.set(index, stage);
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}
