// Runs each out-of-tree example the way a stranger would: the workspace packed into tarballs
// (scripts/pack-workspace.mjs), installed with npm (no workspace links), type-checked, built and
// tested. Part of the README's test command; a failing step fails it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const EXAMPLES = ['transport-mqtt', 'embedded-service'].filter((e) =>
  process.argv.length > 2 ? process.argv.includes(e) : true,
);
const step = (what, cmd, args, cwd) => {
  console.log(`\n[examples] ${what}: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
};

step('pack the workspace', process.execPath, [join(root, 'scripts', 'pack-workspace.mjs')], root);
for (const example of EXAMPLES) {
  const dir = join(root, 'examples', example);
  // npm keeps an installed tarball of the same version: drop ours so the fresh packs are used.
  rmSync(join(dir, 'node_modules', '@edgeplane'), { recursive: true, force: true });
  step(`${example}: install from the tarballs`, 'npm', ['install', '--no-save'], dir);
  step(`${example}: type-check (strict, nodenext)`, 'npm', ['run', 'typecheck'], dir);
  step(`${example}: build`, 'npm', ['run', 'build'], dir);
  step(`${example}: test`, 'npm', ['test'], dir);
}
