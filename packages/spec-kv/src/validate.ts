import { printable } from '@edgeplane/errors';
import { fail } from './errors.js';
import type { Entry, Lexed } from './lex.js';
import type { SpecForm } from './lower.js';
import { readRing } from './ring.js';
import { SPEC_NAME } from './rules.js';
import { isStageKey } from './stage-group.js';
import { collectStages } from './stages.js';
import type { Spec, SpecWarning } from './types.js';

const RING_KEYS: ReadonlySet<string> = new Set(
  ['shards', 'producer', 'scheduling', 'ordering', 'shard_key', 'capacity'].map(
    (f) => `single_ring.${f}`,
  ),
);
const TOP_KEYS: ReadonlySet<string> = new Set(['v', 'name', 'model']);

/** What validation needs besides the entries. */
export interface ValidateOptions {
  readonly file: string;
  readonly form: SpecForm;
  readonly knownStages: readonly string[];
}

const valueAt = (e: Entry) => ({ line: e.line, column: e.column, key: e.origin });

function header(map: ReadonlyMap<string, Entry>, lexed: Lexed, options: ValidateOptions) {
  const { file } = options;
  const v = map.get('v');
  if (v && v.value !== '1') {
    throw fail(
      file,
      valueAt(v),
      `unsupported spec version "${printable(v.value)}"; edgeplane reads v=1`,
      'write v=1 (or use an edgeplane release that reads this version)',
    );
  }
  const model = map.get('model');
  if (model && model.value !== 'single_ring' && model.value !== 'lane_graph') {
    throw fail(
      file,
      valueAt(model),
      `unknown model "${printable(model.value)}"; expected single_ring or lane_graph`,
      'write model=single_ring',
    );
  }
  const name = map.get('name');
  const nameKey = options.form === 'authoring' ? 'pipeline.name' : 'name';
  if (!name) {
    throw fail(
      file,
      lexed.end,
      `missing required key "${nameKey}"`,
      `add ${nameKey}=<spec name> (letters, digits, "_", "." or "-")`,
    );
  }
  if (!SPEC_NAME.test(name.value)) {
    throw fail(
      file,
      valueAt(name),
      `${printable(name.origin)}: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got "${printable(name.value)}"`,
      `write ${printable(name.origin)}=<name>, e.g. ${printable(name.origin)}=orders-v1`,
    );
  }
  const laneGraph = model
    ? model.value === 'lane_graph'
    : [...map.keys()].some((k) => k.startsWith('lane_graph.'));
  return { name: name.value, laneGraph };
}

/**
 * Builds a `Spec` from lowered entries and checks every v1 rule (v1 semantics; reference
 * decision 1). Unknown keys outside `single_ring.stages` are kept in `extra` and reported as
 * warnings. LaneGraph specs are kept verbatim, unvalidated.
 *
 * @throws SpecParseError for the first rule broken.
 */
export function validate(
  lexed: Lexed,
  entries: readonly Entry[],
  options: ValidateOptions,
): { spec: Spec; warnings: SpecWarning[] } {
  const { file } = options;
  if (entries.length === 0) {
    throw fail(
      file,
      lexed.end,
      'spec is empty: no key=value lines',
      'write at least v=1, name=<name> and single_ring.stages.0.id=<id>',
    );
  }
  const map = new Map(entries.map((e) => [e.key, e]));
  const { name, laneGraph } = header(map, lexed, options);
  if (laneGraph) {
    const keys: Record<string, string> = Object.create(null);
    for (const e of entries) if (!TOP_KEYS.has(e.key)) keys[e.key] = e.value;
    return { spec: { v: 1, name, model: 'lane_graph', keys }, warnings: [] };
  }
  const ring = readRing(map, file);
  const stages = collectStages(entries, { file, end: lexed.end, knownStages: options.knownStages });
  const extra: Record<string, string> = Object.create(null);
  const warnings: SpecWarning[] = [];
  for (const e of entries) {
    if (TOP_KEYS.has(e.key) || RING_KEYS.has(e.key) || isStageKey(e.key)) continue;
    extra[e.key] = e.value;
    const message = `unknown key "${printable(e.origin)}" ignored (forward compatibility)`;
    warnings.push({ file, line: e.line, column: 1, key: e.origin, message });
  }
  const spec: Spec = { v: 1, name, model: 'single_ring', ...ring, stages, extra };
  return { spec, warnings };
}
