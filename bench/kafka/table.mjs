// The Kafka bench's summary table: best and median msg/s per case, CPU per million messages,
// peak RSS, and the ratio each case is judged by (producers and the egress against Java's tuned
// producer, consumers and the ingress against Java's consumer, pipes against the raw pipe of the
// client the transport is built on).

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const k = (n) => `${(n / 1000).toFixed(1)} k`;

const REFERENCE = {
  produce: 'java|produce (batch.size=131072 linger.ms=10)',
  egress: 'java|produce (batch.size=131072 linger.ms=10)',
  consume: 'java|consume',
  ingress: 'java|consume',
  pipe: 'platformatic|pipe',
};

/** `results`: Map of `client|op` → [{ msgPerSec, cpuSeconds, rssMiB }]; returns markdown. */
export function table(results, messages) {
  const best = (key) => Math.max(...(results.get(key) ?? []).map((r) => r.msgPerSec));
  const rows = [
    '| client | case | best msg/s | median msg/s | CPU s / M msgs | peak RSS | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [key, runs] of results) {
    const [client, op] = key.split('|');
    const rates = runs.map((r) => r.msgPerSec);
    const cpu = median(runs.map((r) => r.cpuSeconds)) / (messages / 1e6);
    const rss = Math.max(...runs.map((r) => r.rssMiB));
    const ref = REFERENCE[op.split(' ')[0]];
    const ratio =
      ref && ref !== key && results.has(ref)
        ? `${((Math.max(...rates) / best(ref)) * 100).toFixed(0)} % of ${ref.replace('|', ' ')}`
        : '–';
    const cpuNote = runs[0].cpuNote === 'process' ? ' (process)' : '';
    rows.push(
      `| ${client} | ${op} | ${k(Math.max(...rates))} | ${k(median(rates))} | ${cpu.toFixed(1)}${cpuNote} | ${rss.toFixed(0)} MiB | ${ratio} |`,
    );
  }
  return rows.join('\n');
}
