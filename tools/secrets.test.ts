import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_SECRETS } from '../apps/edgeplane/test/secrets.js';

/** Every file below `dir` (no symlinks), up to `limit` files. */
function files(dir: string, out: string[] = [], limit = 20_000): string[] {
  for (const name of readdirSync(dir)) {
    if (out.length >= limit) break;
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) files(path, out, limit);
    else if (st.isFile() && st.size < 8 * 1024 * 1024) out.push(path);
  }
  return out;
}

// Runs after every package's tests (the root `pnpm test` order): the CLI tests leave their work
// directories (tmp/ep-cli-*) with lane paths, snapshots, incident bundles and outputs behind.
describe('no secret the tests used appears in anything they wrote', () => {
  const roots = readdirSync(tmpdir())
    .filter((d) => d.startsWith('ep-cli-'))
    .map((d) => join(tmpdir(), d));
  const written = roots.flatMap((r) => (existsSync(r) ? files(r) : []));

  it('greps every snapshot, bundle and output file', () => {
    // `pnpm test` runs the CLI tests first; run alone, this test has nothing to read and says so.
    expect(
      written.length,
      'no CLI test output found: run the whole suite (pnpm test)',
    ).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const path of written) {
      if (path.endsWith('.private.jwk.json') || path.endsWith('approval.cred')) continue; // key material by design
      // a file gone since the listing (a temp file renamed, another run on this machine) holds nothing
      let text = '';
      try {
        text = readFileSync(path, 'latin1');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      for (const secret of Object.values(TEST_SECRETS))
        if (text.includes(secret)) leaks.push(`${path}: ${secret}`);
    }
    expect(leaks).toEqual([]);
  });
});
