import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const NOBODY = 65534;
const root = process.getuid?.() === 0;
// As root every file is readable: run the CLI as `nobody` (runuser) so a mode-000 file is refused.
const runuser = root && spawnSync('runuser', ['--help']).status === 0;

function asUnprivileged(args: string[], cwd: string) {
  const [cmd, argv] = root
    ? ['runuser', ['-u', 'nobody', '--', process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return spawnSync(cmd, argv, { cwd, encoding: 'utf8', timeout: 30_000 });
}

/** A run whose input file has mode 000, by a user that is not root. */
function runUnreadable() {
  const config =
    'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\n' +
    'egress.transport=file\negress.path=${EDGEPLANE_CONFIG_DIR}/lane/out.log\n';
  const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': 'secret\n' });
  chmodSync(cwd, 0o755);
  chmodSync(join(cwd, 'in.log'), 0o000);
  mkdirSync(join(cwd, 'lane'));
  if (root) chownSync(join(cwd, 'lane'), NOBODY, NOBODY);
  const r = asUnprivileged(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
  return { cwd, r };
}

describe('a file that cannot be read for permissions', () => {
  it.skipIf(root && !runuser)(
    'exits 2 with permission-denied, the ingress failed with the cause, the snapshot final',
    () => {
      const { cwd, r } = runUnreadable();
      expect(r.stderr).toContain(
        `error: [transport:file] cannot open ${join(cwd, 'in.log')}: permission denied (EACCES)`,
      );
      expect(r.stderr).toContain('hint: give the process');
      expect(r.status).toBe(2);
      const result = JSON.parse(r.stdout);
      expect(result.error).toMatchObject({ code: 'permission-denied', exit: 2 });
      expect(result.error.message).toContain('permission denied');
      const doc = JSON.parse(readFileSync(join(cwd, 'lane/snapshot.json'), 'utf8'));
      expect(doc).toMatchObject({ state: 'failed', stop_reason: 'failed', ingress_messages: 0 });
      const ingress = doc.adapters[0];
      expect(ingress.connection_state).toBe('failed');
      expect(ingress.cause).toContain('permission denied (EACCES)');
      expect(ingress.recent_failures).toBe(1);
      const out = join(cwd, 'lane/out.log');
      expect(existsSync(out) ? readFileSync(out, 'utf8') : '').toBe('');
    },
    60_000,
  );

  it.skipIf(root && !runuser)(
    'snapshot of a lane whose snapshot.json this user cannot read: exit 2, never the idle document',
    () => {
      const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': 'a\n' });
      chmodSync(cwd, 0o755);
      const lane = join(cwd, 'lane');
      mkdirSync(lane, { mode: 0o755 });
      writeFileSync(join(lane, 'snapshot.json'), '{}');
      chmodSync(join(lane, 'snapshot.json'), 0o000);
      const r = asUnprivileged(['snapshot', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
      expect(r.status).toBe(2);
      // --json: the error, field by field; never an idle snapshot document
      expect(JSON.parse(r.stdout)).toMatchObject({
        ok: false,
        error: { code: 'permission-denied', exit: 2 },
      });
      expect(r.stdout).not.toContain('"state"');
      expect(r.stderr).toContain(
        `error: cannot read the snapshot ${join(lane, 'snapshot.json')}: permission denied (EACCES)`,
      );
      const out = join(cwd, 'out');
      mkdirSync(out);
      if (root) chownSync(out, NOBODY, NOBODY);
      const b = asUnprivileged(['incident-bundle', '--out=out/b', '--lane-path=lane'], cwd);
      expect(b.status).toBe(0);
      const bundled = JSON.parse(readFileSync(join(out, 'b/snapshot.json'), 'utf8'));
      expect(bundled).toMatchObject({ status: 'unreadable', running: false, snapshot: null });
      expect(bundled.error).toContain('permission denied (EACCES)');
    },
  );
});
