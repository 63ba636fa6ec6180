// Packs every published workspace package into examples/.packs/<name>.tgz (stable names, so an
// example's package.json can point at them), exactly as `pnpm publish` would build the tarball:
// workspace: ranges become real versions. Used by scripts/examples.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'examples', '.packs');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const dirs = [
  ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)),
  join(root, 'apps', 'edgeplane'),
];
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const tmp = join(out, 'tmp');
  execFileSync('pnpm', ['pack', '--pack-destination', tmp], { cwd: dir, stdio: 'ignore' });
  const [file] = readdirSync(tmp);
  renameSync(join(tmp, file), join(out, `${pkg.name.replace('@', '').replace('/', '-')}.tgz`));
  rmSync(tmp, { recursive: true });
}
console.log(`packed ${readdirSync(out).length} packages into ${out}`);
