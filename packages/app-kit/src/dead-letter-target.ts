import { resolve } from 'node:path';
import { type AdapterConfig, type BindingConfig, ConfigError } from '@edgeplane/adapter-loop';

/** Options that name where a binding reads or writes; two bindings agreeing on all are the same place. */
const PLACE_OPTIONS = [
  'url',
  'brokers',
  'servers',
  'endpoint',
  'bucket',
  'prefix',
  'stream',
  'topic',
  'subject',
  'table',
  'listen',
];

function samePlace(a: BindingConfig, b: BindingConfig, cwd: string): boolean {
  if (a.transport !== b.transport) return false;
  if (a.options.path !== undefined || b.options.path !== undefined) {
    if (a.options.path === undefined || b.options.path === undefined) return false;
    if (a.options.path === '-' || b.options.path === '-') return false;
    return resolve(cwd, a.options.path) === resolve(cwd, b.options.path);
  }
  const named = PLACE_OPTIONS.filter(
    (k) => a.options[k] !== undefined || b.options[k] !== undefined,
  );
  return named.length > 0 && named.every((k) => a.options[k] === b.options[k]);
}

/**
 * Refuses a dead-letter binding that writes where the ingress reads (every dead letter would be
 * read again, wrapped again and refused again: the file or stream grows until the disk is full)
 * or where the egress writes (refused messages mixed into the output). Same transport and the
 * same `path` (resolved against `cwd`), or the same values of every place option present (`url`,
 * `stream`, `topic`, `subject`, `table`, `bucket`, ...).
 * @throws ConfigError at the `dead_letter.transport` line, naming the other binding and the fix.
 */
export function checkDeadLetterTarget(config: AdapterConfig, cwd: string): void {
  const dl = config.deadLetter;
  if (!dl) return;
  for (const other of [config.ingress, config.egress]) {
    if (!samePlace(dl, other, cwd)) continue;
    const entry = config.entries.find((e) => e.key === 'dead_letter.transport');
    throw new ConfigError(
      { file: config.file, line: entry?.line ?? 1, column: 1, key: 'dead_letter.transport' },
      other.role === 'ingress'
        ? 'the dead letter writes where the ingress reads: every refused message would be read again and refused again, until the disk is full'
        : 'the dead letter writes where the egress writes: refused messages would be mixed into the output',
      `give dead_letter.* a place of its own (another path, stream, topic, subject or table than ${other.role}.*)`,
    );
  }
}
