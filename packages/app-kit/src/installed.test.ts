import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInstalledTransports } from './installed.js';
import { loadTransport } from './transports.js';

/** Installs a fake transport package (ESM, `import`-only exports) into `<dir>/node_modules`. */
function install(dir: string, pkg: string, name: string): void {
  const root = join(dir, 'node_modules', pkg);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: pkg, type: 'module', exports: { '.': { import: './dist/index.js' } } }),
  );
  writeFileSync(
    join(root, 'dist', 'index.js'),
    `export default { name: '${name}', summary: 'fake ${name}', parseOptions: (o) => o, describeOptions: () => [{ name: 'topic', type: 'string', required: true, description: 'the topic' }], create: () => ({}) };\n`,
  );
}

/** The CLI's own install knows nothing of these packages. */
const cliOwnInstall = async (specifier: string): Promise<unknown> => {
  throw Object.assign(new Error(`Cannot find package '${specifier}'`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
};

describe('third-party transports installed beside the deployment', () => {
  const deployment = mkdtempSync(join(tmpdir(), 'ep-deploy-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'ep-cwd-'));
  mkdirSync(join(deployment, 'conf'));
  install(deployment, 'edgeplane-transport-mqtt', 'mqtt');
  install(elsewhere, '@acme/edgeplane-transport-amqp', 'amqp');

  it('resolves ingress.transport=mqtt from the config directory (found by walking up)', async () => {
    const d = await loadTransport('mqtt', elsewhere, cliOwnInstall, [
      join(deployment, 'conf'),
      elsewhere,
    ]);
    expect(d.name).toBe('mqtt');
    expect(d.summary).toBe('fake mqtt');
  });

  it('resolves a scoped package by specifier from the working directory', async () => {
    const d = await loadTransport('@acme/edgeplane-transport-amqp', elsewhere, cliOwnInstall, [
      join(deployment, 'conf'),
      elsewhere,
    ]);
    expect(d.name).toBe('amqp');
  });

  it('says where it looked and how to install it when it is nowhere', async () => {
    const error = await loadTransport('zmq', elsewhere, cliOwnInstall, [deployment]).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'invalid-config' });
    expect(error.message).toBe(
      '[app-kit] unknown transport "zmq" (tried @edgeplane/transport-zmq, edgeplane-transport-zmq)',
    );
    expect(error.hint).toContain(`npm install edgeplane-transport-zmq in ${deployment}`);
  });

  it('lists installed transport packages, each once, nearest first', () => {
    const found = listInstalledTransports([join(deployment, 'conf'), elsewhere, deployment]);
    expect(found.map((t) => [t.name, t.packageName])).toEqual([
      ['mqtt', 'edgeplane-transport-mqtt'],
      ['amqp', '@acme/edgeplane-transport-amqp'],
    ]);
  });
});
