// The Kafka Connect bench's summary: one row per (input, partitions, pair), edgeplane beside the
// peer, as ratios edgeplane / peer. Several rounds: best msg/s, median CPU, highest peak RSS.

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const k = (n) => (Number.isFinite(n) ? `${(n / 1000).toFixed(1)} k` : '–');
const x = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');

/** Groups `runs` (the JSON rows) into one summary per case and side. */
export function summarise(runs) {
  const cases = new Map();
  for (const r of runs) {
    const key = `${r.messages}×${r.bytes} B|${r.partitions}|${r.pair}`;
    const c = cases.get(key) ?? { key, edgeplane: [], peer: [], peerName: r.peer };
    (r.side === 'edgeplane' ? c.edgeplane : c.peer).push(r);
    cases.set(key, c);
  }
  const agg = (rs) => ({
    msgPerSec: Math.max(...rs.map((r) => r.steadyMsgPerSec)),
    totalMsgPerSec: Math.max(...rs.map((r) => r.totalMsgPerSec)),
    cpuPerM: median(rs.map((r) => r.steadyCpuPerM)),
    rssMiB: Math.max(...rs.map((r) => r.peakRssMiB)),
    rounds: rs.length,
  });
  return [...cases.values()]
    .filter((c) => c.edgeplane.length && c.peer.length)
    .map((c) => ({
      key: c.key,
      peer: c.peerName,
      edgeplane: agg(c.edgeplane),
      other: agg(c.peer),
    }));
}

/** The Markdown table of `summarise(runs)`. */
export function table(runs) {
  const rows = [
    '| input | partitions | pair (peer) | edgeplane msg/s | peer msg/s | msg/s × | incl. start-up × | CPU s/M edgeplane / peer | CPU × | peak RSS edgeplane / peer | RSS × | targets (≥ 1.0× msg/s, ≤ 0.5× RSS) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { key, peer, edgeplane: e, other: p } of summarise(runs)) {
    const [input, partitions, pair] = key.split('|');
    const speed = e.msgPerSec >= p.msgPerSec ? 'met' : 'not met';
    const memory = e.rssMiB <= 0.5 * p.rssMiB ? 'met' : 'not met';
    rows.push(
      `| ${input} | ${partitions} | ${pair} (${peer}) | ${k(e.msgPerSec)} | ${k(p.msgPerSec)} | ${x(e.msgPerSec, p.msgPerSec)} | ${x(e.totalMsgPerSec, p.totalMsgPerSec)} | ${e.cpuPerM.toFixed(1)} / ${p.cpuPerM.toFixed(1)} | ${x(e.cpuPerM, p.cpuPerM)} | ${e.rssMiB.toFixed(0)} / ${p.rssMiB.toFixed(0)} MiB | ${x(e.rssMiB, p.rssMiB)} | ${speed} / ${memory} |`,
    );
  }
  return rows.join('\n');
}
