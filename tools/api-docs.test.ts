import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (at: string): void => {
    for (const e of readdirSync(at, { withFileTypes: true })) {
      const p = join(at, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

it('docs/api is the TypeDoc output of the current sources (run `pnpm docs:api` after changing a public docstring)', () => {
  const out = mkdtempSync(join(tmpdir(), 'ep-api-'));
  // Fails on an unresolved {@link} or a referenced but undocumented type (treatWarningsAsErrors).
  execFileSync('pnpm', ['exec', 'typedoc', '--out', out], { cwd: root, stdio: 'pipe' });
  const fresh = files(out);
  const committed = files(join(root, 'docs', 'api'));
  expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
  for (const [path, text] of fresh) expect(committed.get(path), path).toBe(text);
}, 180_000);
