import { printable } from '@edgeplane/errors';
import { fail } from './errors.js';
import { type Entry, parseDecimal } from './lex.js';
import { isValidCapacity, ringSettingsProblem } from './rules.js';
import { DEFAULT_CAPACITY, MAX_CAPACITY, MIN_CAPACITY, type SingleRingSpec } from './types.js';

/** The ring-level fields of a SingleRing spec. */
export type RingFields = Pick<
  SingleRingSpec,
  'shards' | 'producer' | 'scheduling' | 'ordering' | 'shardKey' | 'capacity'
>;

const valueAt = (e: Entry) => ({ line: e.line, column: e.column, key: e.origin });

function shards(entry: Entry | undefined, file: string): number {
  if (!entry) return 1;
  const n = parseDecimal(entry.value);
  if (n !== undefined && n >= 1) return n;
  throw fail(
    file,
    valueAt(entry),
    `${printable(entry.origin)}: expected a decimal integer ≥ 1, got "${printable(entry.value)}"`,
    `write ${printable(entry.origin)}=1 (or another whole number of shards, no sign or leading zeros)`,
  );
}

function only(
  entry: Entry | undefined,
  allowed: string,
  rejected: string,
  why: string,
  file: string,
): void {
  if (!entry || entry.value === allowed) return;
  const field = entry.origin.slice(entry.origin.lastIndexOf('.') + 1);
  const detail =
    entry.value === rejected
      ? `${printable(entry.origin)}=${rejected} is not supported in v1: ${why}; use ${field}=${allowed}`
      : `${printable(entry.origin)}: expected ${allowed}, got "${printable(entry.value)}"`;
  const hint = `write ${printable(entry.origin)}=${allowed} (or remove the line: ${allowed} is the default)`;
  throw fail(file, valueAt(entry), detail, hint);
}

function ordering(entry: Entry | undefined, file: string): 'strict' | 'per_key' {
  if (!entry) return 'strict';
  if (entry.value === 'strict' || entry.value === 'per_key') return entry.value;
  throw fail(
    file,
    valueAt(entry),
    `${printable(entry.origin)}: expected strict or per_key, got "${printable(entry.value)}"`,
    `write ${printable(entry.origin)}=strict for one shard, ${printable(entry.origin)}=per_key for several`,
  );
}

function capacity(entry: Entry | undefined, file: string): number {
  if (!entry) return DEFAULT_CAPACITY;
  const n = parseDecimal(entry.value);
  if (isValidCapacity(n)) return n;
  throw fail(
    file,
    valueAt(entry),
    `${printable(entry.origin)}: expected a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got "${printable(entry.value)}"`,
    `write ${printable(entry.origin)}=${DEFAULT_CAPACITY} (the default) or another power of two such as 4096`,
  );
}

/**
 * Reads and checks the ring fields (v1 semantics): shards ≥ 1; producer `single` only (`mpmc`
 * rejected); scheduling `dedicated` only (`work_queue` rejected); ordering `strict` needs one
 * shard; `shard_key` only with several shards; capacity a power of two in [2, 1048576].
 *
 * @throws SpecParseError at the offending value.
 */
export function readRing(map: ReadonlyMap<string, Entry>, file: string): RingFields {
  const shardsEntry = map.get('single_ring.shards');
  const n = shards(shardsEntry, file);
  only(map.get('single_ring.producer'), 'single', 'mpmc', 'SingleRing has a single producer', file);
  only(
    map.get('single_ring.scheduling'),
    'dedicated',
    'work_queue',
    'SingleRing runs every stage on its own dedicated thread',
    file,
  );
  const orderingEntry = map.get('single_ring.ordering');
  const order = ordering(orderingEntry, file);
  const keyEntry = map.get('single_ring.shard_key');
  const combo = ringSettingsProblem({ shards: n, ordering: order, shardKey: keyEntry?.value });
  if (combo?.field === 'ordering') {
    const at = (orderingEntry ?? shardsEntry) as Entry;
    const prefix = at.origin.replace(/[^.]+$/, '');
    throw fail(
      file,
      valueAt(at),
      `ordering strict requires shards=1, got shards=${n}${orderingEntry ? '' : ' (strict is the default ordering)'}`,
      `set ${prefix}ordering=per_key (with ${prefix}shard_key) for several shards, or use shards=1`,
    );
  }
  if (keyEntry && combo?.field === 'shardKey') {
    throw fail(
      file,
      valueAt(keyEntry),
      n === 1
        ? `${printable(keyEntry.origin)} is only used when shards > 1 (shards is 1)`
        : `${printable(keyEntry.origin)}: expected a non-empty key name`,
      n === 1
        ? `remove ${printable(keyEntry.origin)}, or raise the shard count`
        : `write ${printable(keyEntry.origin)}=<key>`,
    );
  }
  const ring: RingFields = {
    shards: n,
    producer: 'single',
    scheduling: 'dedicated',
    ordering: order,
    capacity: capacity(map.get('single_ring.capacity'), file),
  };
  return keyEntry ? { ...ring, shardKey: keyEntry.value } : ring;
}
