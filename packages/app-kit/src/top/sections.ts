/** The sections of an `edgeplane top` frame, each a list of lines (see `renderTop`). */
import type { AdapterSnapshot } from '@edgeplane/adapter-loop';
import {
  adapterKey,
  ago,
  awaitingEgress,
  clock,
  count,
  lagText,
  perSecond,
  ringOccupancy,
  slowestStage,
  stagesBehind,
  type TopRates,
} from './figures.js';
import { type Cell, labelled, paint, type Style, table } from './layout.js';
import type { TopRenderOptions, TopSnapshot } from './types.js';

/** From this width on, the wide layout: full role names, per-adapter totals, stage keys. */
export const TOP_WIDE_COLUMNS = 120;

const STATE_STYLE: Readonly<Record<string, Style>> = {
  ready: 'green',
  running: 'green',
  connecting: 'yellow',
  reconnecting: 'yellow',
  draining: 'yellow',
  idle: 'yellow',
  stalled: 'red',
  failed: ['red', 'bold'],
  stopped: 'cyan',
  closed: 'dim',
};
const ROLE: Readonly<Record<string, readonly [string, string]>> = {
  ingress: ['in', 'ingress'],
  egress: ['out', 'egress'],
  dead_letter: ['dlq', 'dead-letter'],
};

/** The first lines: what runs, and whether the document is live, ended or stale. */
export function head(s: TopSnapshot, o: TopRenderOptions, width: number, color: boolean): string[] {
  const age = (o.now ?? Date.parse(s.captured_at)) - Date.parse(s.captured_at);
  const lines = [
    `${paint('edgeplane top', 'bold', color)}  ${s.spec_name}  ${paint(s.state, STATE_STYLE[s.state], color)}  pid ${s.pid}  captured ${clock(s.captured_at)} (${ago(age)} ago)`,
  ];
  const status = o.status ?? 'live';
  if (status === 'final' || s.state === 'stopped' || s.state === 'failed') {
    const reason = s.stop_reason && s.stop_reason !== s.state ? ` (${s.stop_reason})` : '';
    const text = `the run ended at ${clock(s.ended_at ?? s.captured_at)}: ${s.state}${reason}; final snapshot`;
    lines.push(paint(text, s.state === 'failed' ? ['red', 'bold'] : ['cyan', 'bold'], color));
    if (s.error !== null)
      for (const row of labelled('error', s.error, width)) lines.push(paint(row, 'red', color));
  } else if (status === 'stale') {
    const text = `stale: pid ${s.pid} is not running; this is what it last wrote, ${ago(age)} ago`;
    lines.push(paint(text, ['yellow', 'bold'], color));
  } else if (age > (o.staleAfterMs ?? 3000)) {
    const text = `stale: no new snapshot for ${ago(age)}: is the loop running? pid ${s.pid}`;
    lines.push(paint(text, ['yellow', 'bold'], color));
  }
  return lines;
}

/** Messages in, out, acked, dropped (and dead-lettered): rate and total. */
export function messages(
  s: TopSnapshot,
  r: TopRates | undefined,
  o: TopRenderOptions,
  width: number,
): string[] {
  const { color } = o;
  const rows: Cell[][] = [
    ['in', perSecond(r?.ingress), count(s.ingress_messages)],
    ['out', perSecond(r?.egress), count(s.egress_messages)],
    ['acked', perSecond(r?.acked), count(s.acked_messages)],
    ['dropped', perSecond(r?.dropped), count(s.dropped_messages)],
  ];
  const dl = s.dead_lettered_messages;
  if (dl !== undefined) {
    const style = dl > 0 ? 'yellow' : undefined;
    rows.push([
      { text: 'dead-lettered', style },
      perSecond(r?.deadLettered),
      { text: count(dl), style },
    ]);
  }
  const window = r ? `MSG/S ${r.seconds.toFixed(1)} s` : 'MSG/S';
  const columns = [
    { header: 'MESSAGES' },
    { header: window, align: 'right' as const },
    { header: 'TOTAL', align: 'right' as const },
  ];
  const out = table(columns, rows, width, color);
  if (!r && (o.status ?? 'live') === 'live' && s.state !== 'stopped' && s.state !== 'failed')
    out.push(paint('msg/s: shown from the second snapshot on', 'dim', color));
  return out;
}

/** Ring occupancy with a bar, the stage furthest behind the cursor, what waits for the egress. */
export function ring(s: TopSnapshot, color: boolean): string[] {
  const o = ringOccupancy(s);
  const filled = Math.round(o.ratio * 10);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(10 - filled)}]`;
  const style: Style | undefined = o.ratio >= 0.9 ? 'red' : o.ratio >= 0.5 ? 'yellow' : undefined;
  const slow = slowestStage(s);
  const slowest = slow ? `  slowest stage ${slow.stage} (${count(slow.behind)} behind)` : '';
  const waiting = awaitingEgress(s);
  return [
    `${paint('RING', 'bold', color)}  ${paint(bar, style, color)} ${count(o.used)}/${count(o.capacity)} (${Math.round(o.ratio * 100)}%)${slowest}`,
    ...(waiting > 0 ? [`      ${count(waiting)} processed, waiting for the egress`] : []),
  ];
}

export function adapters(
  s: TopSnapshot,
  r: TopRates | undefined,
  width: number,
  color: boolean,
): string[] {
  const wide = width >= TOP_WIDE_COLUMNS;
  const rows = s.adapters.map((a) => {
    const cells: Cell[] = [
      a.name,
      ROLE[a.role]?.[wide ? 1 : 0] ?? a.role,
      a.transport,
      { text: a.connection_state, style: STATE_STYLE[a.connection_state] },
      perSecond(r?.adapters.get(adapterKey(a))),
      ...(wide ? [count(a.message_count)] : []),
      lagText(a),
      { text: String(a.recent_failures), style: a.recent_failures > 0 ? 'red' : undefined },
    ];
    return cells;
  });
  const right = 'right' as const;
  return table(
    [
      { header: 'ADAPTER', flex: 'shrink' as const, min: 8 },
      { header: 'ROLE' },
      { header: 'TRANSPORT', flex: 'shrink' as const, min: 6 },
      { header: 'STATE' },
      { header: 'MSG/S', align: right },
      ...(wide ? [{ header: 'TOTAL', align: right }] : []),
      { header: 'LAG', align: right },
      { header: 'FAIL/60S', align: right },
    ],
    rows,
    width,
    color,
  );
}

/** Per-stage counts and how far each stage is behind the cursor, when the snapshot has them. */
export function stages(s: TopSnapshot, width: number, color: boolean): string[] {
  if (!s.stages || s.stages.length === 0) return [];
  const wide = width >= TOP_WIDE_COLUMNS;
  const behind = new Map(stagesBehind(s).map((g) => [g.stage, g.behind]));
  const rows = s.stages.map((st): Cell[] => [
    st.id,
    ...(wide ? [st.key ?? '-'] : []),
    behind.has(st.id) ? count(behind.get(st.id) ?? 0) : '-',
    count(st.filtered),
    { text: count(st.rejected), style: st.rejected > 0 ? 'yellow' : undefined },
  ]);
  const right = 'right' as const;
  const columns = [
    { header: 'STAGE', flex: 'shrink' as const, min: 8 },
    ...(wide ? [{ header: 'KEY', flex: 'shrink' as const, min: 8 }] : []),
    { header: 'BEHIND', align: right },
    { header: 'FILTERED', align: right },
    { header: 'REJECTED', align: right },
  ];
  return ['', ...table(columns, rows, width, color)];
}

/** Each adapter's open incident: last error, its cause (when another), a stall; times UTC. */
export function incidents(s: TopSnapshot, width: number, color: boolean): string[] {
  const of = (a: AdapterSnapshot): string[] => {
    const rows: string[] = [];
    if (a.last_error !== null)
      rows.push(
        ...labelled(`last error  ${a.name} ${clock(a.last_error_at)}`, a.last_error, width),
      );
    if (a.cause !== null && a.cause !== a.last_error)
      rows.push(...labelled(`cause       ${a.name} ${clock(a.cause_at)}`, a.cause, width));
    if (a.stalled_since !== null)
      rows.push(`stalled     ${a.name} since ${clock(a.stalled_since)}`);
    return rows.map((row) => paint(row, 'red', color));
  };
  const rows = s.adapters.flatMap(of);
  return rows.length > 0 ? ['', ...rows] : [];
}
