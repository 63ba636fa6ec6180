import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { MQTT_URL, mosquitto } from './mosquitto.js';

const run = promisify(execFile);
const here = resolve(import.meta.dirname, '..');
/** The edgeplane CLI (EDGEPLANE_CLI, default: this repository's build): it has no mqtt transport of its own. */
const CLI = process.env.EDGEPLANE_CLI ?? resolve(here, '../../apps/edgeplane/dist/cli.js');

/** A deployment directory with edgeplane-transport-mqtt installed beside it, as `npm install` would. */
function deployment(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-mqtt-deploy-'));
  cpSync(join(here, 'deploy'), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(here, join(dir, 'node_modules', 'edgeplane-transport-mqtt'), 'dir');
  return dir;
}

async function edgeplane(args: string[], env: Record<string, string>) {
  // Run from an unrelated directory: the transport must be found beside the config.
  const cwd = mkdtempSync(join(tmpdir(), 'ep-cwd-'));
  return run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } }).catch(
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('file -> mqtt -> file through the CLI, the transport found by name', () => {
  beforeAll(async () => {
    await mosquitto(); // a missing broker fails with the fix, never skips
  });

  it('moves every line through the broker, and lists the transport with its options', async () => {
    const dir = deployment();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`);
    writeFileSync(join(dir, 'input.log'), `${lines.join('\n')}\n`);
    const env = { MQTT_URL, MQTT_TOPIC: `edgeplane-demo/${Date.now().toString(36)}` };
    const spec = `--spec=${join(dir, 'spec.kv')}`;
    const sub = [`--config=${join(dir, 'subscribe.kv')}`, `--lane-path=${join(dir, 'lane-sub')}`];
    const pub = [`--config=${join(dir, 'publish.kv')}`, `--lane-path=${join(dir, 'lane-pub')}`];

    // 1. Open the subscriber once, moving nothing: the broker now keeps a session for it.
    const session = await edgeplane(['run', spec, ...sub, '--adapter-max-messages=0'], env);
    expect(session.stderr).toBe('');
    // 2. Publish the file while no subscriber runs.
    const published = await edgeplane(['run', spec, ...pub, '--json'], env);
    expect(published.stderr).toBe('');
    expect(JSON.parse(published.stdout)).toMatchObject({ state: 'stopped', egressMessages: 200 });
    // 3. The subscriber gets all of it from its session, in order.
    const received = await edgeplane(
      ['run', spec, ...sub, '--adapter-max-messages=200', '--json'],
      env,
    );
    expect(received.stderr).toBe('');
    expect(JSON.parse(received.stdout)).toMatchObject({ state: 'stopped', ackedMessages: 200 });
    expect(readFileSync(join(dir, 'out', 'output.log'), 'utf8')).toBe(`${lines.join('\n')}\n`);

    const listed = await edgeplane(['transports', `--config=${join(dir, 'subscribe.kv')}`], env);
    expect(listed.stdout).toContain(
      'mqtt: MQTT 5 broker topic: QoS 1, persistent session, at-least-once (mqtt.js) (edgeplane-transport-mqtt)',
    );
    expect(listed.stdout).toMatch(/\n {2}clientId +string, required\n/);
  });
});
