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
    `${pad('ADAPTER', 22)}${pad('ROLE', 9)}${pad('TRANSPORT', 11)}${pad('STATE', 14)}${pad('MESSAGES', 10)}${pad('FAILURES', 10)}${pad('LAG', 8)}LAST ERROR`,
  ];
  const rows = snapshot.adapters.map((a) =>
    [
      pad(a.name, 22),
      pad(a.role, 9),
      pad(a.transport, 11),
      pad(a.connection_state, 14),
      pad(String(a.message_count), 10),
      pad(String(a.recent_failures), 10),
      pad(a.lag === null ? '-' : `${a.lag}${a.lag_unit ? ` ${a.lag_unit}` : ''}`, 8),
      a.last_error ?? '-',
    ].join(''),
  );
  return `${[...head, ...rows].join('\n')}\n`;
}

/** One-paragraph summary of a finished run. Rates in messages/s. */
export function renderSummary(result: LoopResult): string {
  const secs = result.durationMs / 1000;
  const rate = secs > 0 ? Math.round(result.egressMessages / secs) : 0;
  const lines = [
    `run ${result.state} (${result.reason}) in ${secs.toFixed(2)} s`,
    `  ingress ${result.ingressMessages}  egress ${result.egressMessages}  acked ${result.ackedMessages}  dropped ${result.droppedMessages}  (${rate} msg/s)`,
  ];
  if (result.error) lines.push(`  error: ${result.error.message}`);
  return `${lines.join('\n')}\n`;
}
