// Shared by the benches: one structured result per comparison a bench prints, collected by
// `pnpm bench` (bench/run-all.mjs). run-all sets EDGEPLANE_BENCH_RESULTS to a JSON-lines file for
// each bench it starts; record() appends one line there. Run alone, a bench's record() calls
// only return the row (the bench prints its figures as before).
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename } from 'node:path';

/**
 * @typedef {object} Series   one measured side of a comparison
 * @property {string} name    e.g. 'edgeplane', 'hand-written pipe', 'Kafka Connect'
 * @property {'edgeplane' | 'baseline' | 'peer'} role
 * @property {number} value   in the row's `unit`
 */

/**
 * @typedef {object} Row
 * @property {string} [bench]   the bench's name (default: the script's file name without .mjs)
 * @property {string} case      what was measured, e.g. 'redis-streams → redis-streams, batch 1024'
 * @property {string} unit      'msg/s', 'lines/s', 'ms', 'MiB', 'µs/msg', ...
 * @property {Series[]} series  edgeplane first, then baselines and peers
 * @property {boolean} [higherIsBetter]  default true for rates, false otherwise
 * @property {boolean} [chart]  draw it in the chart (default: rates, i.e. units ending in `/s`)
 * @property {Record<string, unknown>} [details]  anything else worth keeping (rounds, settings)
 */

/**
 * Records one comparison: appends it (with the 1-minute load average and the time) as one JSON
 * line to `$EDGEPLANE_BENCH_RESULTS` when that is set. Returns the completed row. Throws a
 * TypeError on a row without `case`, `unit` or a finite value in every series (a bench bug).
 * @param {Row} row
 */
export function record(row) {
  if (!row.case || !row.unit || !Array.isArray(row.series) || row.series.length === 0)
    throw new TypeError(`bench result needs case, unit and series: ${JSON.stringify(row)}`);
  for (const s of row.series)
    if (!s.name || !Number.isFinite(s.value))
      throw new TypeError(`bench result "${row.case}": series needs a name and a finite value`);
  const rate = row.unit.endsWith('/s');
  const full = {
    bench: row.bench ?? basename(process.argv[1] ?? 'bench', '.mjs'),
    case: row.case,
    unit: row.unit,
    series: row.series,
    higherIsBetter: row.higherIsBetter ?? rate,
    chart: row.chart ?? rate,
    load1: Number(loadavg()[0].toFixed(2)),
    at: new Date().toISOString(),
    ...(row.details ? { details: row.details } : {}),
  };
  const file = process.env.EDGEPLANE_BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(full)}\n`);
  return full;
}

/**
 * Shorthand for the common case: edgeplane against one baseline, both rates in `unit`.
 * @param {string} what       the case
 * @param {number} edgeplane  edgeplane's value
 * @param {string} baselineName
 * @param {number} baseline   the baseline's value, same unit
 * @param {Partial<Row>} [extra]
 */
export function recordPair(what, edgeplane, baselineName, baseline, extra = {}) {
  return record({
    unit: 'msg/s',
    ...extra,
    case: what,
    series: [
      { name: 'edgeplane', role: 'edgeplane', value: edgeplane },
      { name: baselineName, role: 'baseline', value: baseline },
    ],
  });
}
