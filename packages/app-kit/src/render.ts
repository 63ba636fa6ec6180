import type { LoopResult, LoopSnapshot } from '@edgeplane/adapter-loop';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** A snapshot as an operator-readable table (the JSON form is the document itself). */
export function renderSnapshot(snapshot: LoopSnapshot, status?: string): string {
  const head = [
    `spec        ${snapshot.spec_name} (${snapshot.spec_hash ?? 'no hash'})`,
    `state       ${snapshot.state}${status ? ` [${status}]` : ''}  pid ${snapshot.pid}  captured ${snapshot.captured_at}`,
    `messages    ingress ${snapshot.ingress_messages}  egress ${snapshot.egress_messages}  acked ${snapshot.acked_messages}  dropped ${snapshot.dropped_messages}`,
    `ring        capacity ${snapshot.ring.capacity}  cursor ${snapshot.ring.cursor}  released ${snapshot.ring.released}  gating ${snapshot.ring.gating.map((g) => `${g.stage}=${g.sequence}`).join(' ')}`,
    '',
  ];
  const table = [
    ['ADAPTER', 'ROLE', 'TRANSPORT', 'STATE', 'MESSAGES', 'FAILURES', 'LAG', 'LAST ERROR'],
    ...snapshot.adapters.map((a) => [
      a.name,
      a.role,
      a.transport,
      a.connection_state,
      String(a.message_count),
      String(a.recent_failures),
      a.lag === null ? '-' : `${a.lag}${a.lag_unit ? ` ${a.lag_unit}` : ''}`,
      a.last_error ?? '-',
    ]),
  ];
  const widths =
    table[0]?.map((_, col) => Math.max(...table.map((row) => (row[col] ?? '').length)) + 2) ?? [];
  const rows = table.map((row) =>
    row.map((cell, col) => (col === row.length - 1 ? cell : pad(cell, widths[col] ?? 0))).join(''),
  );
  return `${[...head, ...rows].join('\n')}\n`;
}

/** One-paragraph summary of a finished run. Rates in messages/s. */
export function renderSummary(result: LoopResult): string {
  const secs = result.durationMs / 1000;
  const rate = secs > 0 ? Math.round(result.egressMessages / secs) : 0;
  const lines = [
    `run ${result.state} (${result.reason === 'stopped' ? 'stop requested' : result.reason}) in ${secs.toFixed(2)} s`,
    `  ingress ${result.ingressMessages}  egress ${result.egressMessages}  acked ${result.ackedMessages}  dropped ${result.droppedMessages}  (${rate} msg/s)`,
  ];
  if (result.error) lines.push(`  error: ${result.error.message}`);
  return `${lines.join('\n')}\n`;
}
