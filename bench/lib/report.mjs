// run-all.mjs's outputs from the collected results: a Markdown table and one SVG bar chart
// (hand-written SVG: edgeplane beside its baselines and peers, one group of bars per case).

const SI = [
  [1e6, ' M'],
  [1e3, ' k'],
];

/** 1234567 → '1.23 M', 45678 → '45.7 k', 12.345 → '12.3'. */
export function human(n) {
  for (const [f, s] of SI) if (Math.abs(n) >= f) return `${(n / f).toPrecision(3)}${s}`;
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}

const others = (row) => row.series.filter((s) => s.role !== 'edgeplane');
const ours = (row) => row.series.filter((s) => s.role === 'edgeplane');

/** edgeplane's first value over the first baseline's or peer's, as a percentage, or '–'. */
export function ratio(row) {
  const [e] = ours(row);
  const [b] = others(row);
  return e && b && b.value > 0 ? `${((e.value / b.value) * 100).toFixed(1)} %` : '–';
}

const cell = (xs, unit) =>
  xs.map((s) => `${s.name} ${human(s.value)}`).join(' · ') + (xs.length ? ` ${unit}` : '');
const esc = (s) => String(s).replaceAll('|', '\\|');

/**
 * The Markdown report: the machine and versions, one table row per recorded comparison, then the
 * benches that failed or were skipped.
 * @param {object} run  the results document run-all.mjs writes (see there)
 */
export function markdown(run) {
  const m = run.machine;
  const lines = [
    `### ${run.quick ? 'Quick smoke run' : 'Run'} of ${run.date}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, ${m.os}; load ${m.loadStart} at the start, ${m.loadEnd} at the end. ` +
      `Node.js ${run.versions.node}; edgeplane ${run.versions.commit}; ${Object.entries(
        run.versions.other,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    '',
    '| bench | case | edgeplane | baseline / peer | ratio | load |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const b of run.benches)
    for (const r of b.results)
      lines.push(
        `| ${b.name} | ${esc(r.case)} | ${esc(cell(ours(r), r.unit))} | ${esc(cell(others(r), r.unit))} | ${ratio(r)} | ${r.load1 ?? b.load?.[0] ?? '–'} |`,
      );
  const rest = run.benches.filter((b) => b.status !== 'ok' || b.results.length === 0);
  if (rest.length) {
    lines.push('', 'Without a recorded result:', '');
    for (const b of rest) lines.push(`- ${b.name}: ${b.status}${b.note ? ` — ${b.note}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const COLORS = { edgeplane: '#2b6cb0', baseline: '#a0aec0', peer: '#dd6b20' };
const xml = (s) =>
  String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * One SVG: for each chartable row (rates), a title and one horizontal bar per series, scaled to
 * the largest value of that row (cases have different scales), labelled with its value.
 * @param {object} run  the results document
 */
export function svg(run) {
  const rows = run.benches.flatMap((b) =>
    b.results.filter((r) => r.chart).map((r) => ({ ...r, bench: b.name })),
  );
  const W = 860;
  const LABEL = 250;
  const BAR = W - LABEL - 110;
  let y = 66;
  const parts = [];
  for (const r of rows) {
    parts.push(
      `<text x="10" y="${y}" class="t">${xml(`${r.bench}: ${r.case}`)} — ratio ${xml(ratio(r))}</text>`,
    );
    y += 8;
    const max = Math.max(...r.series.map((s) => s.value), 1);
    for (const s of r.series) {
      const w = Math.max(1, Math.round((s.value / max) * BAR));
      parts.push(
        `<text x="${LABEL - 6}" y="${y + 12}" class="n">${xml(s.name)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${w}" height="16" fill="${COLORS[s.role] ?? COLORS.baseline}"/>`,
        `<text x="${LABEL + w + 6}" y="${y + 12}" class="v">${xml(`${human(s.value)} ${r.unit}`)}</text>`,
      );
      y += 20;
    }
    y += 22;
  }
  const legend = Object.entries(COLORS)
    .map(
      ([k, c], i) =>
        `<rect x="${10 + i * 120}" y="${y - 8}" width="12" height="12" fill="${c}"/><text x="${26 + i * 120}" y="${y + 2}" class="v">${k}</text>`,
    )
    .join('');
  const title = 'edgeplane beside its baselines and peers (higher is better)';
  const sub = `${run.quick ? 'quick smoke run (small sizes, one round), ' : ''}${run.date}, load ${run.machine.loadStart}–${run.machine.loadEnd}; each case on its own scale`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 16}" viewBox="0 0 ${W} ${y + 16}" font-family="sans-serif" role="img">`,
    `<title>${xml(`${title}: ${sub}`)}</title>`,
    '<style>.t{font-size:13px;font-weight:bold}.n{font-size:12px;text-anchor:end}.v{font-size:12px}</style>',
    `<rect width="${W}" height="${y + 16}" fill="#fff"/>`,
    `<text x="10" y="22" class="t">${xml(title)}</text>`,
    `<text x="10" y="40" class="v">${xml(sub)}</text>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
