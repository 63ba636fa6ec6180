#!/usr/bin/env node
// Renders the observations the fault harness recorded (apps/edgeplane/test/faults, run with
// EDGEPLANE_FAULT_TABLE=FILE) as the markdown table of docs/guide/6.operations.md
// "What each failure looks like". Usage: node scripts/fault-table.mjs FILE
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/fault-table.mjs FILE (JSON lines from EDGEPLANE_FAULT_TABLE)');
  process.exit(2);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const cell = (v) =>
  String(v)
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/ep-fault-[\w-]+/g, 'NAME')
    .replace(/\|/g, '\\|');
const order = [
  'server hung (SIGSTOP), egress',
  'server down, egress',
  'credentials refused mid-run',
  'SIGTERM while opening',
];
rows.sort(
  (a, b) =>
    order.indexOf(a.fault) - order.indexOf(b.fault) || a.transport.localeCompare(b.transport),
);
console.log(
  '| fault | transport | `connection_state` | `last_error` | `/healthz` | `/readyz` | exit code |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${cell(r.fault)} | ${cell(r.transport)} | \`${cell(r.state)}\` | ${cell(r.lastError)} | ${cell(r.healthz)} | ${cell(r.readyz)} | ${cell(r.exit)} |`,
  );
