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

const CASES = [
  [
    'kafka → kafka',
    'edgeplane|pipe',
    [
      ['platformatic|pipe', 'hand-written @platformatic/kafka pipe'],
      ['kafkajs|pipe', 'hand-written kafkajs pipe'],
    ],
  ],
  [
    'kafka egress (producer)',
    'edgeplane|egress',
    [
      ['java|produce (batch.size=131072 linger.ms=10)', 'Java producer, batched'],
      ['java|produce (defaults)', 'Java producer, defaults'],
      ['platformatic|produce', '@platformatic/kafka producer'],
    ],
  ],
  [
    'kafka ingress (consumer)',
    'edgeplane|ingress',
    [
      ['java|consume', 'Java consumer'],
      ['platformatic|consume', '@platformatic/kafka consumer'],
    ],
  ],
];

/** Records (bench/lib/results.mjs) edgeplane's pipe, egress and ingress beside the clients, best of rounds. */
export function recordKafka(record, results, messages) {
  const side = (key, name, role) => {
    const runs = results.get(key);
    if (!runs) return undefined;
    const cpu = median(runs.map((r) => r.cpuSeconds)) / (messages / 1e6);
    const rssMiB = Math.round(Math.max(...runs.map((r) => r.rssMiB)));
    const value = Math.round(Math.max(...runs.map((r) => r.msgPerSec)));
    return { name, role, value, cpuSecondsPerM: Number(cpu.toFixed(2)), rssMiB };
  };
  for (const [what, ours, others] of CASES) {
    const e = side(ours, 'edgeplane', 'edgeplane');
    const rest = others.map(([k, n]) => side(k, n, 'baseline')).filter(Boolean);
    if (!e || rest.length === 0) continue;
    const series = [e, ...rest];
    record({
      case: what,
      unit: 'msg/s',
      series: series.map(({ name, role, value }) => ({ name, role, value })),
      details: {
        messages,
        of: 'best',
        cpuSecondsPerM: series.map((s) => s.cpuSecondsPerM),
        rssMiB: series.map((s) => s.rssMiB),
      },
    });
  }
}
