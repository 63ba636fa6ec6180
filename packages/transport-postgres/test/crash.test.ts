import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from '../src/index.js';
import {
  adapters,
  exited,
  readSnapshot,
  removeWorkdirs,
  runCli,
  spec,
  start,
  until,
  workdir,
} from './support/cli.js';
import { countRows, dropTables, fillTable, POSTGRES_URL as url } from './support/pg.js';

const tables: string[] = [];
afterAll(async () => {
  await dropTables(tables);
  removeWorkdirs();
});

const lines = (cwd: string, file: string): string[] => {
  try {
    return readFileSync(join(cwd, file), 'utf8').split('\n').slice(0, -1);
  } catch {
    return [];
  }
};

describe('crashes (built CLI, real PostgreSQL)', () => {
  it('mode=single: kill -9 mid-run, then restart: every row at least once, duplicates within one batch', async () => {
    const total = 100_000;
    const window = 500; // loop.batchMaxMessages: the one egress batch written but not acknowledged
    const table = uniqueName('ep_pg_kill').replace(/-/g, '_');
    tables.push(table);
    const sent = await fillTable(table, total);
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv': adapters(
        { transport: 'postgres', url, table, batchSize: 500 },
        { transport: 'file', path: 'out.log', fsync: 'batch' },
        { batchMaxMessages: window, snapshotIntervalMs: 50 },
      ),
    });
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await until(
      '10 000 rows out',
      () => (readSnapshot(join(cwd, 'lane'))?.egress_messages ?? 0) >= 10_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    const written = lines(cwd, 'out.log').length;
    const saved = JSON.parse(readFileSync(join(cwd, 'lane/ingress', CHECKPOINT_FILE), 'utf8')) as {
      position: string;
    };
    const acked = Number(saved.position); // ids start at 1: position = rows acknowledged
    expect(acked).toBeGreaterThan(0);
    expect(written - acked).toBeGreaterThanOrEqual(0);
    expect(written - acked).toBeLessThanOrEqual(window);
    const rest = await runCli(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        `--adapter-max-messages=${total - acked}`,
        '--json',
      ],
      cwd,
    );
    expect(rest.code, rest.stderr).toBe(0);
    const out = lines(cwd, 'out.log');
    // Nothing lost, in order once the duplicates (the unacknowledged tail of the first run) are dropped.
    expect(out.length - total).toBe(written - acked);
    expect([...out.slice(0, acked), ...out.slice(written)]).toEqual(sent);
  }, 90_000);

  it('mode=shared: two runs share one table; SIGKILL one and the other finishes its rows, nothing lost', async () => {
    const total = 60_000;
    const batch = 500;
    const table = uniqueName('ep_pg_shared').replace(/-/g, '_');
    tables.push(table);
    const sent = await fillTable(table, total);
    const config = (out: string) =>
      adapters(
        {
          transport: 'postgres',
          url,
          table,
          mode: 'shared',
          batchSize: batch,
          maxConnections: 2,
          pollIntervalMs: 100,
        },
        { transport: 'file', path: out, fsync: 'batch' },
        { batchMaxMessages: batch, snapshotIntervalMs: 50 },
      );
    const cwd = workdir({
      'spec.kv': spec(1024),
      'a.kv': config('a.log'),
      'b.kv': config('b.log'),
    });
    const a = start(['run', '--spec=spec.kv', '--config=a.kv', '--lane-path=lane-a'], cwd);
    const b = start(['run', '--spec=spec.kv', '--config=b.kv', '--lane-path=lane-b'], cwd);
    await until(
      'both runs moving rows',
      () => lines(cwd, 'a.log').length >= 5_000 && lines(cwd, 'b.log').length >= 1_000,
    );
    a.kill('SIGKILL');
    await exited(a);
    const aLines = lines(cwd, 'a.log');
    await until(
      'the table drained by the survivor',
      async () => (await countRows(table)) === 0,
      60_000,
      200,
    );
    await until(
      'the survivor wrote everything',
      () => lines(cwd, 'b.log').length + aLines.length >= total,
      10_000,
    );
    b.kill('SIGTERM');
    expect(await exited(b)).toBe(143); // interrupted by SIGTERM (reference exit codes)
    const all = [...aLines, ...lines(cwd, 'b.log')];
    const unique = new Set(all);
    expect(unique.size).toBe(total);
    for (const line of sent) expect(unique.has(line)).toBe(true);
    // Duplicates: only rows the killed run wrote but had not committed (its transactions held).
    expect(all.length - total).toBeLessThanOrEqual(2 * batch);
  }, 120_000);
});
