import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in the lane's state dir that holds the single-mode position. */
export const CHECKPOINT_FILE = 'postgres.checkpoint.json';

interface Saved {
  readonly table: string;
  readonly orderBy: string;
  readonly position: string;
}

/** The saved position for this table and column, or undefined (none, or another table's). */
export async function readCheckpoint(
  stateDir: string,
  table: string,
  orderBy: string,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, CHECKPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const saved = JSON.parse(text) as Partial<Saved>;
    if (saved.table !== table || saved.orderBy !== orderBy) return undefined;
    return typeof saved.position === 'string' && /^-?\d+$/.test(saved.position)
      ? saved.position
      : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the position durably: a temporary file, fsync, then rename over the old one. */
export async function writeCheckpoint(
  stateDir: string,
  table: string,
  orderBy: string,
  position: string,
): Promise<void> {
  const path = join(stateDir, CHECKPOINT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await mkdir(stateDir, { recursive: true });
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(JSON.stringify({ table, orderBy, position } satisfies Saved));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
}
