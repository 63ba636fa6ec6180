import type { DoctorReport } from './doctor.js';
import type { EndpointCheck } from './endpoints.js';

/** One row of `edgeplane doctor`: a host check (`scope: 'host'`) or an endpoint check. */
export interface DoctorLine {
  readonly scope: 'host' | 'endpoint';
  /** Endpoint rows: the adapter (binding name, else `<transport>-<role>`), its role and transport. */
  readonly adapter?: string | undefined;
  readonly role?: 'ingress' | 'egress' | 'dead_letter' | undefined;
  readonly transport?: string | undefined;
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  readonly detail: string;
  /** One line telling what to do, for `warn` and `fail`. */
  readonly fix?: string | undefined;
  /** How long the probe took, in ms. */
  readonly durationMs?: number | undefined;
}

/** The whole doctor result (`--json` prints it): `ready` is false when any row failed (exit 3). */
export interface DoctorResult {
  readonly ready: boolean;
  readonly checks: readonly DoctorLine[];
}

/** The host report and the endpoint checks as one result, host rows first. */
export function doctorResult(
  host: DoctorReport,
  endpoints: readonly EndpointCheck[] = [],
): DoctorResult {
  const checks: DoctorLine[] = [
    ...host.checks.map((c) => ({ scope: 'host' as const, ...c })),
    ...endpoints,
  ];
  return { ready: checks.every((c) => c.status !== 'fail'), checks };
}

/** Words of `text` in lines of at most `width` characters (a longer word is cut). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter((w) => w !== '')) {
    while (word.length > width) {
      if (line) lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = '';
    }
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

const STATUS: Readonly<Record<DoctorLine['status'], string>> = {
  ok: 'ok',
  warn: 'warn',
  fail: 'FAIL',
  skip: 'skip',
};

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function time(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

/** The narrowest detail column kept beside the row; narrower, details go under it. */
const MIN_DETAIL_COLUMN = 36;
/** Indent of a detail written under its row. */
const UNDER = 4;

/** The detail and fix lines of one check, `room` characters wide, each prefixed by `margin`. */
function detailLines(c: DoctorLine, room: number, margin: string): string[] {
  const lines = wrap(c.detail, room);
  if (c.fix !== undefined && (c.status === 'warn' || c.status === 'fail')) {
    const [f = '', ...more] = wrap(c.fix, room - 5);
    lines.push(`fix: ${f}`, ...more.map((l) => `     ${l}`));
  }
  return lines.map((l) => `${margin}${l}`);
}

/**
 * The human table of a doctor result: one row per check (adapter or `host`, check, status, time,
 * detail), wrapped to `width` columns (default 80), the fix of a `warn` or `fail` on its own line
 * under the detail. The detail has its own column when at least 36 characters are left for it;
 * otherwise (long adapter or check names) it goes under its row, indented. Ends with the verdict.
 */
export function renderDoctorResult(result: DoctorResult, width = 80): string {
  const who = (c: DoctorLine) => (c.scope === 'host' ? 'host' : (c.adapter ?? ''));
  const w1 = Math.max(7, ...result.checks.map((c) => who(c).length));
  const w2 = Math.max(5, ...result.checks.map((c) => c.name.length));
  const indent = w1 + w2 + 16;
  const beside = width - indent >= MIN_DETAIL_COLUMN;
  const out = [
    `${pad('ADAPTER', w1)} ${pad('CHECK', w2)} STAT ${beside ? pad('TIME', 9) : 'TIME'}${beside ? 'DETAIL' : ''}`,
  ];
  for (const c of result.checks) {
    const lead = `${pad(who(c), w1)} ${pad(c.name, w2)} ${pad(STATUS[c.status], 4)} ${pad(time(c.durationMs), 9)}`;
    if (!beside) {
      out.push(lead.trimEnd(), ...detailLines(c, width - UNDER, ' '.repeat(UNDER)));
      continue;
    }
    const [first = '', ...rest] = detailLines(c, width - indent, ' '.repeat(indent));
    out.push(`${lead}${first.trimStart()}`, ...rest);
  }
  const count = (s: DoctorLine['status']) => result.checks.filter((c) => c.status === s).length;
  const tally = `${count('ok')} ok, ${count('warn')} warn, ${count('fail')} failed, ${count('skip')} skipped`;
  out.push(result.ready ? `ready (${tally})` : `NOT ready (${tally})`);
  return `${out.join('\n')}\n`;
}
