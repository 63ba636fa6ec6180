import type { ReplayReport } from './replay.js';
import type { ReplayOutcome } from './replay-compare.js';

function side(o: ReplayOutcome): string {
  if (o.status === 'none') return 'no outcome (the replay stopped before it)';
  if (o.status === 'dropped') return 'dropped by a stage';
  if (o.status === 'rejected') return `rejected: ${o.error ?? ''}`;
  const key = o.key === undefined ? '' : `, key ${JSON.stringify(o.key)}`;
  const headers = o.headers === undefined ? '' : `, headers ${JSON.stringify(o.headers)}`;
  const refused = o.error === undefined ? '' : ` (${o.error})`;
  return `sent, ${o.bytes} bytes${key}${headers}${refused}: ${o.preview}`;
}

const WHAT = {
  outcome: 'the outcome differs',
  key: 'the key differs',
  headers: 'the headers differ',
  body: 'the body differs',
} as const;

/**
 * The human report of a replay: a heading, notes, then `identical: N messages` or the first
 * difference (index, seq, id, origin; expected vs got with a short preview).
 * @param policy one line on governed stages (e.g. the policy summary), shown in the heading.
 */
export function renderReplay(report: ReplayReport, policy?: string): string {
  const lines = [
    `replay of ${report.bundle}: spec "${report.spec_name}" (${report.spec_hash}), ${report.messages} captured messages${policy ? `; ${policy}` : ''}`,
    ...report.notes.map((n) => `note: ${n}`),
  ];
  if (report.error) lines.push(`note: the replay stopped early: ${report.error}`);
  const unsettled = report.messages - report.compared;
  const d = report.difference;
  if (!d) {
    const rest =
      unsettled > 0
        ? ` (${unsettled} more had no outcome when captured: replayed, not compared)`
        : '';
    lines.push(`identical: ${report.compared} messages${rest}`);
    return `${lines.join('\n')}\n`;
  }
  const from = d.origin ? `; ${d.origin}` : '';
  const at = d.at_byte === undefined ? '' : ` from byte ${d.at_byte}`;
  lines.push(
    `first difference at index ${d.index} (seq ${d.seq}, id ${d.id}${from}): ${WHAT[d.field]}${at}`,
    `  expected: ${side(d.expected)}`,
    `  got:      ${side(d.got)}`,
    `${report.compared} messages before it were identical`,
  );
  return `${lines.join('\n')}\n`;
}
