import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `dir` and every parent of it, nearest first. */
function upward(dir: string): string[] {
  const out: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    out.push(at);
    if (dirname(at) === at) return out;
  }
}

/** The entry of an ESM package: `exports['.']` by the conditions import, node, default. */
function entryOf(pkg: Record<string, unknown>): string {
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null) return undefined;
    const map = value as Record<string, unknown>;
    if ('.' in map) return pick(map['.']);
    for (const condition of ['import', 'node', 'default']) {
      const found = pick(map[condition]);
      if (found) return found;
    }
    return undefined;
  };
  const main = typeof pkg.main === 'string' ? pkg.main : 'index.js';
  return pick(pkg.exports) ?? (typeof pkg.module === 'string' ? pkg.module : main);
}

/**
 * Finds the package `name` installed in a `node_modules` at `fromDir` or above (as Node would),
 * and returns the file URL of its ESM entry; undefined when it is not installed there.
 */
export function findInstalledPackage(name: string, fromDir: string): string | undefined {
  for (const dir of upward(fromDir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    return pathToFileURL(realpathSync(join(dirname(manifest), entryOf(pkg)))).href;
  }
  return undefined;
}

const THIRD_PARTY = /^edgeplane-transport-[a-z0-9][a-z0-9-]*$/;

/** A transport package found in a `node_modules`. */
export interface InstalledTransport {
  /** The transport name the adapter config uses (`mqtt` for `edgeplane-transport-mqtt`). */
  readonly name: string;
  readonly packageName: string;
  /** The `node_modules` directory it was found in. */
  readonly where: string;
}

/**
 * Lists the transport packages installed at or above each of `dirs`: `edgeplane-transport-<name>`,
 * `@<scope>/edgeplane-transport-<name>` and `@edgeplane/transport-<name>`, nearest first, each
 * package once.
 */
export function listInstalledTransports(dirs: readonly string[]): InstalledTransport[] {
  const found = new Map<string, InstalledTransport>();
  const add = (packageName: string, name: string, where: string): void => {
    if (!found.has(packageName)) found.set(packageName, { name, packageName, where });
  };
  for (const dir of new Set(dirs.flatMap(upward))) {
    const modules = join(dir, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const entry of readdirSync(modules)) {
      if (THIRD_PARTY.test(entry)) add(entry, entry.slice('edgeplane-transport-'.length), modules);
      if (!entry.startsWith('@')) continue;
      for (const inner of readdirSync(join(modules, entry))) {
        if (entry === '@edgeplane' && inner.startsWith('transport-'))
          add(`${entry}/${inner}`, inner.slice('transport-'.length), modules);
        else if (THIRD_PARTY.test(inner))
          add(`${entry}/${inner}`, inner.slice('edgeplane-transport-'.length), modules);
      }
    }
  }
  return [...found.values()];
}
