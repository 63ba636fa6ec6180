import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where downloaded server distributions and their run state live, outside any checkout:
 * `$EDGEPLANE_CACHE_DIR`, else `$XDG_CACHE_HOME/edgeplane`, else `~/.cache/edgeplane`.
 */
export function cacheDir(): string {
  const dir =
    process.env.EDGEPLANE_CACHE_DIR ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edgeplane');
  mkdirSync(dir, { recursive: true });
  return resolve(dir);
}

/** The package root (works from both src/ and dist/, which are one level below it). */
export function packageRoot(): string {
  return fileURLToPath(new URL('..', import.meta.url));
}
