import { printable } from '@edgeplane/errors';
import { fail } from './errors.js';
import type { Entry } from './lex.js';

/** Which key family a file was written in. */
export type SpecForm = 'canonical' | 'authoring';

/** `pipeline.constraints.<field>` fields that lower to `single_ring.<field>`. */
const CONSTRAINTS: ReadonlySet<string> = new Set([
  'shards',
  'producer',
  'scheduling',
  'ordering',
  'shard_key',
  'capacity',
]);
const TARGETS: Readonly<Record<string, 'single_ring' | 'lane_graph'>> = {
  SingleRing: 'single_ring',
  single_ring: 'single_ring',
  LaneGraph: 'lane_graph',
  lane_graph: 'lane_graph',
};
const CONSTRAINT_PREFIX = 'pipeline.constraints.';
const STAGE_KEY = /^single_ring\.stages\.(0|[1-9][0-9]*)\.(.*)$/;

/** Keys only the hub authoring form has (unknown `pipeline.*` keys are plain extras). */
function isAuthoringKey(key: string): boolean {
  if (key === 'pipeline.name' || key === 'pipeline.target') return true;
  if (key === 'pipeline.stages' || key.startsWith('pipeline.stages.')) return true;
  return key.startsWith(CONSTRAINT_PREFIX) && CONSTRAINTS.has(key.slice(CONSTRAINT_PREFIX.length));
}

function isCanonicalKey(key: string): boolean {
  return (
    key === 'name' ||
    key === 'model' ||
    key.startsWith('single_ring.') ||
    key.startsWith('lane_graph.')
  );
}

function renameSingleRing(key: string): string {
  if (key === 'pipeline.name') return 'name';
  if (key === 'pipeline.target') return 'model';
  if (key === 'pipeline.stages' || key.startsWith('pipeline.stages.')) {
    return `single_ring.${key.slice('pipeline.'.length)}`;
  }
  if (isAuthoringKey(key)) return `single_ring.${key.slice(CONSTRAINT_PREFIX.length)}`;
  return key;
}

function renameLaneGraph(key: string): string {
  if (key === 'pipeline.name') return 'name';
  if (key === 'pipeline.target') return 'model';
  return key.startsWith('pipeline.') ? `lane_graph.${key.slice('pipeline.'.length)}` : key;
}

/** Adds `stage=identity` where absent and, for stage N > 0 without `depends_on`, `depends_on=N-1`. */
function implicitStageFields(entries: Entry[]): Entry[] {
  const stages = new Map<string, { first: Entry; fields: Set<string> }>();
  for (const entry of entries) {
    const match = STAGE_KEY.exec(entry.key);
    if (!match) continue;
    const [, index = '', field = ''] = match;
    const stage = stages.get(index) ?? { first: entry, fields: new Set<string>() };
    stage.fields.add(field);
    stages.set(index, stage);
  }
  const added: Entry[] = [];
  for (const [index, { first, fields }] of stages) {
    const at = { line: first.line, column: first.column, synthetic: true };
    if (!fields.has('stage')) {
      const key = `single_ring.stages.${index}.stage`;
      added.push({ ...at, key, origin: `pipeline.stages.${index}.stage`, value: 'identity' });
    }
    if (index !== '0' && !fields.has('depends_on')) {
      const key = `single_ring.stages.${index}.depends_on`;
      const value = String(Number(index) - 1);
      added.push({ ...at, key, origin: `pipeline.stages.${index}.depends_on`, value });
    }
  }
  return [...entries, ...added];
}

/**
 * Lowers the hub authoring form (`pipeline.name`, `pipeline.target`, `pipeline.stages.N.*`,
 * `pipeline.constraints.*`) to canonical keys (reference decision 1). A stage without `stage`
 * is `identity`; stage N > 0 without `depends_on` depends on stage N-1 (a chain, like ByteOr's
 * `single_ring_chain`). Entries keep their position and the key as written (`origin`).
 * Canonical input is returned unchanged.
 *
 * @throws SpecParseError when one file mixes both forms, or `pipeline.target` is unknown.
 */
export function lower(
  entries: readonly Entry[],
  file: string,
): { entries: readonly Entry[]; form: SpecForm } {
  const authoring = entries.find((e) => isAuthoringKey(e.key));
  if (!authoring) return { entries, form: 'canonical' };
  const canonical = entries.find((e) => isCanonicalKey(e.key));
  if (canonical) {
    const later = authoring.line > canonical.line ? authoring : canonical;
    throw fail(
      file,
      { line: later.line, column: 1, key: later.key },
      `mixed spec forms: "${printable(authoring.key)}" (line ${authoring.line}) is the pipeline.* authoring form, "${printable(canonical.key)}" (line ${canonical.line}) the canonical form`,
      'write either the canonical keys (name, single_ring.*) or the pipeline.* authoring keys, not both',
    );
  }
  const target = entries.find((e) => e.key === 'pipeline.target');
  const model = target ? TARGETS[target.value] : 'single_ring';
  if (target && !model) {
    throw fail(
      file,
      { line: target.line, column: target.column, key: target.key },
      `unknown pipeline.target "${printable(target.value)}"; expected SingleRing or LaneGraph`,
      'write pipeline.target=SingleRing',
    );
  }
  const rename = model === 'lane_graph' ? renameLaneGraph : renameSingleRing;
  const lowered = entries.map((e) => ({
    ...e,
    key: rename(e.key),
    value: e === target ? (model as string) : e.value,
  }));
  return {
    entries: model === 'lane_graph' ? lowered : implicitStageFields(lowered),
    form: 'authoring',
  };
}
