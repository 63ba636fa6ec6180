import postgres from 'postgres';

/** The machine's PostgreSQL (or `EDGEPLANE_POSTGRES_URL`), as the tests reach it. */
export const POSTGRES_URL: string =
  process.env.EDGEPLANE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A short-lived client for checks and cleanup in tests. */
export function client(url: string = POSTGRES_URL): postgres.Sql {
  return postgres(url, { max: 2, onnotice: () => {}, idle_timeout: 1 });
}

/** Drops the tables a test file created (`DROP TABLE IF EXISTS`, quoted). */
export async function dropTables(tables: readonly string[], url: string = POSTGRES_URL): Promise<void> {
  if (tables.length === 0) return;
  const sql = client(url);
  try {
    for (const t of new Set(tables)) await sql.unsafe(`DROP TABLE IF EXISTS "${t.replace(/"/g, '""')}"`);
  } finally {
    await sql.end({ timeout: 2 });
  }
}
