import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const published = [
  ...readdirSync(join(root, 'packages')).map((d) => join('packages', d)),
  join('apps', 'edgeplane'),
].filter((dir) => !JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).private);

function maps(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...maps(join(dir, e.name)));
    else if (e.name.endsWith('.js.map')) out.push(join(dir, e.name));
  }
  return out;
}

describe('every published package, as a stranger gets it', () => {
  it.each(published)('%s: a README with what it is, install, an example and links', (dir) => {
    const name = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name as string;
    const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${name}\n\n`), 'starts with the package name').toBe(true);
    expect(readme).toMatch(new RegExp(`(npm install|pnpm add)( -g| -D)? [^\\n]*${name}`));
    expect(readme, 'an example').toMatch(/```(ts|sh)\n[\s\S]+?\n```/);
    expect(readme, 'a link to the docs').toMatch(/\]\(\.\.\/\.\.\/docs\//);
  });

  it.each(published)('%s: source maps carry the sources (readable stack traces)', (dir) => {
    const found = maps(join(root, dir, 'dist'));
    expect(found.length, 'dist/*.js.map (run the build first)').toBeGreaterThan(0);
    for (const file of found) {
      const map = JSON.parse(readFileSync(file, 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect(map.sourcesContent?.length, file).toBe(map.sources.length);
      expect(
        map.sourcesContent?.every((s) => typeof s === 'string' && s.length > 0),
        file,
      ).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    expect(pkg.files, 'the maps ship in the tarball').toContain('dist');
    expect(existsSync(join(root, dir, 'README.md'))).toBe(true);
  });
});
