import type { AdapterSnapshot, LoopResult, LoopSnapshot } from '@edgeplane/adapter-loop';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** The first line of a snapshot read from a lane: what kind of document it is. */
function banner(snapshot: LoopSnapshot, status: string | undefined): string[] {
  switch (status) {
    case 'final':
      return [
        `NOT RUNNING: the run ended at ${snapshot.ended_at ?? snapshot.captured_at} (state ${snapshot.state}, stop reason ${snapshot.stop_reason ?? 'not recorded'}); this is its final snapshot`,
      ];
    case 'stale':
      return [
        `STALE: pid ${snapshot.pid} is not running, yet this document says "${snapshot.state}"; it is what the loop last wrote at ${snapshot.captured_at}, not live`,
      ];
    case 'idle':
      return [
        'IDLE: the lane holds no snapshot; nothing has run there (adapters shown as at start)',
      ];
    default:
      return [];
  }
}

/** The detail lines of one adapter: its incident, stall and consumer group, when it has any. */
function details(a: AdapterSnapshot): string[] {
  const rows: string[] = [];
  if (a.cause !== null) rows.push(`  cause          ${a.cause_at ?? '?'}  ${a.cause}`);
  if (a.last_error !== null)
    rows.push(`  last error     ${a.last_error_at ?? '?'}  ${a.last_error}`);
  if (a.stalled_since !== null) rows.push(`  stalled since  ${a.stalled_since}`);
  if (a.group) {
    const held = a.group.assignment.length > 0 ? a.group.assignment.join(' ') : '(none)';
    rows.push(
      `  group          rebalances ${a.group.rebalances}  claims ${a.group.claims}  assignment ${held}`,
    );
  }
  return rows.length > 0 ? [`${a.name} (${a.role})`, ...rows] : [];
}

/**
 * A snapshot as an operator-readable text (the JSON form is the document itself). With the
 * `status` of a lane reading (`final`, `stale`, `idle`), the first line says that the document is
 * not a running loop's. Each adapter with an open incident, a stall or a consumer group gets
 * detail lines: `cause` and `last error` with their times, `stalled since`, the group.
 */
export function renderSnapshot(snapshot: LoopSnapshot, status?: string): string {
  const head = [
    ...banner(snapshot, status),
    `spec        ${snapshot.spec_name} (${snapshot.spec_hash ?? 'no hash'})`,
    `state       ${snapshot.state}${status ? ` [${status}]` : ''}  pid ${snapshot.pid}  captured ${snapshot.captured_at}`,
  ];
  if (snapshot.ended_at !== null)
    head.push(`ended       ${snapshot.ended_at}  reason ${snapshot.stop_reason ?? '-'}`);
  if (snapshot.error !== null) head.push(`error       ${snapshot.error}`);
  head.push(
    `messages    ingress ${snapshot.ingress_messages}  egress ${snapshot.egress_messages}  acked ${snapshot.acked_messages}  dropped ${snapshot.dropped_messages}${snapshot.dead_lettered_messages ? `  dead-lettered ${snapshot.dead_lettered_messages}` : ''}`,
    ...stageLines(snapshot),
    `ring        capacity ${snapshot.ring.capacity}  cursor ${snapshot.ring.cursor}  released ${snapshot.ring.released}  gating ${snapshot.ring.gating.map((g) => `${g.stage}=${g.sequence}`).join(' ')}`,
    '',
  );
  const table = [
    ['ADAPTER', 'ROLE', 'TRANSPORT', 'STATE', 'MESSAGES', 'FAILURES', 'LAG'],
    ...snapshot.adapters.map((a) => [
      a.name,
      a.role,
      a.transport,
      a.connection_state,
      String(a.message_count),
      String(a.recent_failures),
      a.lag === null ? '-' : `${a.lag}${a.lag_unit ? ` ${a.lag_unit}` : ''}`,
    ]),
  ];
  const widths =
    table[0]?.map((_, col) => Math.max(...table.map((row) => (row[col] ?? '').length)) + 2) ?? [];
  const rows = table.map((row) =>
    row.map((cell, col) => (col === row.length - 1 ? cell : pad(cell, widths[col] ?? 0))).join(''),
  );
  const more = snapshot.adapters.flatMap(details);
  return `${[...head, ...rows, ...(more.length > 0 ? ['', ...more] : [])].join('\n')}\n`;
}

/**
 * The causes to print under a run's error: each adapter whose open incident began with another
 * error than the one that ended the run (`cause: <adapter> since <cause_at>: <cause>`), so a
 * follow-up error (reconnecting, connection down) never hides the first one. Empty otherwise.
 */
export function renderCauses(snapshot: LoopSnapshot, error: string | null | undefined): string {
  const lines = snapshot.adapters
    .filter((a) => a.cause !== null && a.cause !== error)
    .map((a) => `cause: ${a.name} since ${a.cause_at ?? '?'}: ${a.cause}\n`);
  return lines.join('');
}

/** One-paragraph summary of a finished run. Rates in messages/s. */
export function renderSummary(result: LoopResult): string {
  const secs = result.durationMs / 1000;
  const rate = secs > 0 ? Math.round(result.egressMessages / secs) : 0;
  const lines = [
    `run ${result.state} (${result.reason === 'stopped' ? 'stop requested' : result.reason}) in ${secs.toFixed(2)} s`,
    `  ingress ${result.ingressMessages}  egress ${result.egressMessages}  acked ${result.ackedMessages}  dropped ${result.droppedMessages}${result.deadLetteredMessages ? `  dead-lettered ${result.deadLetteredMessages}` : ''}  (${rate} msg/s)`,
  ];
  if (result.error) lines.push(`  error: ${result.error.message}`);
  return `${lines.join('\n')}\n`;
}

/** One line for the stages that dropped or refused messages (older snapshots have no `stages`). */
function stageLines(snapshot: LoopSnapshot): string[] {
  const busy = (snapshot.stages ?? []).filter((s) => s.filtered > 0 || s.rejected > 0);
  if (busy.length === 0) return [];
  const parts = busy.map((s) => `${s.id} filtered ${s.filtered} rejected ${s.rejected}`);
  return [`stages      ${parts.join('  ')}`];
}
