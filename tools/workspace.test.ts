import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packages = readdirSync(join(root, 'packages'));
const transports = packages.filter((p) => p.startsWith('transport-') && p !== 'transport-template');
const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const DOC_HEADINGS = [
  'What it does',
  'Install',
  'Minimal example',
  'Options',
  'Capabilities',
  'Server versions tested',
  'Error mapping',
  'Limits and gotchas',
];

describe('the runtime', () => {
  it('the tests run on the Node.js major pinned by the root devDependency `node`', () => {
    const pinned = (json(join(root, 'package.json')).devDependencies as Record<string, string>)
      .node;
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pinned);
    // pnpm checks packages' engines against the same version (not the system Node running pnpm)
    expect(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')).toContain(
      `nodeVersion: ${pinned}`,
    );
  });
});

describe('every package', () => {
  it.each(packages)('%s: folder name = package name, ESM-only, dist exports, engines', (dir) => {
    const pkg = json(join(root, 'packages', dir, 'package.json'));
    expect(pkg.name).toBe(`@edgeplane/${dir}`);
    expect(pkg.type).toBe('module');
    expect((pkg.engines as Record<string, string>).node).toBe('>=22.22');
    if (pkg.private) return;
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(['dist']);
    expect((pkg.exports as Record<string, { types: string; default: string }>)['.']).toEqual({
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
  });
});

describe('every transport package (STYLE §6 meta-test)', () => {
  it('there is at least one', () => expect(transports.length).toBeGreaterThan(0));
  it.each(transports)(
    '%s: peer-depends on the core, runs the conformance suite, has its docs page',
    (dir) => {
      const pkg = json(join(root, 'packages', dir, 'package.json'));
      expect((pkg.peerDependencies as Record<string, string>)['@edgeplane/adapter-loop']).toBe(
        'workspace:^',
      );
      const tests = readdirSync(join(root, 'packages', dir, 'test')).filter((f) =>
        f.endsWith('.conformance.test.ts'),
      );
      expect(tests.length).toBeGreaterThan(0);
      for (const t of tests)
        expect(readFileSync(join(root, 'packages', dir, 'test', t), 'utf8')).toMatch(
          /describeTransportConformance(<[^>]*>)?\(/,
        );
      const doc = join(root, 'docs/transports', `${dir.slice('transport-'.length)}.md`);
      expect(existsSync(doc)).toBe(true);
      const text = readFileSync(doc, 'utf8');
      for (const h of DOC_HEADINGS) expect(text).toMatch(new RegExp(`^##+ (\\d+\\.? )?${h}`, 'm'));
    },
  );
});

/** Transports that talk to no server, so have no TLS (issue 16 names the rest). */
const NO_SERVER = new Set(['transport-file']);
const TLS_OPTIONS = [
  'tls',
  'tlsCaFile',
  'tlsCertFile',
  'tlsKeyFile',
  'tlsKeyPassphrase',
  'tlsServerName',
  'tlsVerify',
];

describe('every transport that talks to a server offers the shared TLS options (issue 16)', () => {
  it.each(transports.filter((t) => !NO_SERVER.has(t)))(
    '%s: the tls* options of the contract, its TLS docs section and the CLI TLS cases',
    async (dir) => {
      const url = new URL(`../packages/${dir}/dist/index.js`, import.meta.url).href;
      const descriptor = (
        (await import(url)) as {
          default: { describeOptions(): { name: string; description: string; secret?: boolean }[] };
        }
      ).default;
      const { tlsOptionFields } = (await import(
        new URL('../packages/adapter-loop/dist/transport/index.js', import.meta.url).href
      )) as { tlsOptionFields: Record<string, { meta(): { description?: string } | undefined }> };
      const options = new Map(descriptor.describeOptions().map((o) => [o.name, o]));
      for (const name of TLS_OPTIONS) {
        expect(options.has(name), `${dir} lacks option ${name}`).toBe(true);
        // How TLS turns on (`tls`) and which host each connection checks (`tlsServerName`) are
        // the transport's to say; the file and verify options read the same everywhere.
        if (name === 'tls' || name === 'tlsServerName') continue;
        expect(options.get(name)?.description, `${dir} option ${name}`).toBe(
          tlsOptionFields[name]?.meta()?.description,
        );
      }
      expect(options.get('tlsKeyPassphrase')?.secret).toBe(true);
      const doc = readFileSync(
        join(root, 'docs/transports', `${dir.slice('transport-'.length)}.md`),
        'utf8',
      );
      expect(doc).toMatch(/^##+ .*TLS/m);
      const tlsTests = readdirSync(join(root, 'apps/edgeplane/test/tls')).map((f) =>
        readFileSync(join(root, 'apps/edgeplane/test/tls', f), 'utf8'),
      );
      expect(
        tlsTests.some(
          (t) =>
            t.includes('tlsCases(') && t.includes(`transport: '${dir.slice('transport-'.length)}'`),
        ),
      ).toBe(true);
    },
  );
});
