import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { adapters, crlfInput, removeWorkdirs, runCli, spec, workdir } from './support/cli.js';
import { countRows, dropTables, POSTGRES_URL as url } from './support/pg.js';

const tables: string[] = [];
const table = (prefix: string) => {
  const t = uniqueName(prefix).replace(/-/g, '_');
  tables.push(t);
  return t;
};

afterAll(async () => {
  if (!process.env.EP_KEEP_TABLES) await dropTables(tables);
  removeWorkdirs();
});

function result(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as {
    egressMessages: number;
    ackedMessages: number;
    reason: string;
  };
}

describe('edgeplane run with postgres (built CLI, real PostgreSQL)', () => {
  it('file → postgres → file moves 2000 CRLF lines intact and in order; a resent file adds no row', async () => {
    const t = table('ep_pg_cli');
    const { input, expected } = crlfInput(2000, 'event');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'to-pg.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'postgres', url, table: t, createTable: 'true' },
      ),
      'from-pg.kv': adapters(
        { transport: 'postgres', url, table: t },
        { transport: 'file', path: 'out.log' },
      ),
    });
    const toPg = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-pg.kv', '--lane-path=lane-a', '--json'],
        cwd,
      ),
    );
    expect(toPg.egressMessages).toBe(2000);
    expect(await countRows(t)).toBe(2000);
    expect(await countRows(t, 'WHERE message_id IS NULL')).toBe(0);
    // The same file again through a new lane: the same ingress ids, so ON CONFLICT skips them all.
    result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-pg.kv', '--lane-path=lane-a2', '--json'],
        cwd,
      ),
    );
    expect(await countRows(t)).toBe(2000);
    const fromPg = result(
      await runCli(
        [
          'run',
          '--spec=spec.kv',
          '--config=from-pg.kv',
          '--lane-path=lane-b',
          '--adapter-max-messages=2000',
          '--json',
        ],
        cwd,
      ),
    );
    expect(fromPg).toMatchObject({
      egressMessages: 2000,
      ackedMessages: 2000,
      reason: 'max-messages',
    });
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
  }, 60_000);

  it('--adapter-max-messages=500 four times moves all 2000 once each, in order (writeMode=insert, text payload)', async () => {
    const t = table('ep_pg_cli_bounded');
    const { input, expected } = crlfInput(2000, 'bounded');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'to-pg.kv': adapters(
        { transport: 'file', path: 'in.log' },
        {
          transport: 'postgres',
          url,
          table: t,
          createTable: 'true',
          writeMode: 'insert',
          payloadType: 'text',
        },
      ),
      'adapters.kv': adapters(
        { transport: 'postgres', url, table: t, batchSize: 300 },
        { transport: 'file', path: 'out.log' },
      ),
    });
    result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-pg.kv', '--lane-path=lane-a', '--json'],
        cwd,
      ),
    );
    for (let run = 1; run <= 4; run++) {
      const r = result(
        await runCli(
          ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=500', '--json'],
          cwd,
        ),
      );
      expect(r.egressMessages).toBe(500);
      const out = readFileSync(join(cwd, 'out.log'), 'utf8');
      expect(out.split('\n').length - 1).toBe(run * 500);
    }
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
  }, 60_000);

  it('a bad option is exit 2 naming it', async () => {
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'adapters.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'postgres', url, table: 'x', writeMode: 'fast' },
      ),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/writeMode/);
    expect(run.stderr).toMatch(/copy|insert/);
  }, 30_000);

  it('a missing table is exit 2 naming `table` and the fix createTable=true', async () => {
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'adapters.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'postgres', url, table: 'ep_no_such_table_here' },
      ),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/ep_no_such_table_here/);
    expect(run.stderr).toMatch(/createTable=true/);
  }, 30_000);

  it('`edgeplane transports --name=postgres` lists it with its options', async () => {
    const run = await runCli(['transports', '--name=postgres'], workdir());
    expect(run.code, run.stderr).toBe(0);
    for (const option of ['table', 'mode', 'orderBy', 'writeMode', 'notifyChannel', 'tlsCaFile'])
      expect(run.stdout).toContain(option);
  }, 30_000);
});
