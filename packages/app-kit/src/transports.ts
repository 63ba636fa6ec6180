import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgeplaneError, type TransportDescriptor } from '@edgeplane/adapter-loop/transport';
import { fileTransport } from '@edgeplane/transport-file';
import { findInstalledPackage } from './installed.js';

/** Transports that ship with the CLI, by name. */
export const BUILT_IN_TRANSPORTS: ReadonlyMap<string, TransportDescriptor> = new Map<
  string,
  TransportDescriptor
>([['file', fileTransport as TransportDescriptor]]);

function isDescriptor(value: unknown): value is TransportDescriptor {
  const v = value as Partial<TransportDescriptor> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.parseOptions === 'function' &&
    typeof v.create === 'function'
  );
}

const notFound = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
};

/** Imports `specifier` from the caller's install, else from beside the deployment; null if absent. */
async function importModule(
  specifier: string,
  local: boolean,
  importer: (specifier: string) => Promise<unknown>,
  searchDirs: readonly string[],
): Promise<Record<string, unknown> | null> {
  try {
    return (await importer(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (!notFound(error)) throw EdgeplaneError.from(error, 'app-kit', 'invalid-config');
  }
  if (local) return null;
  for (const dir of searchDirs) {
    const url = findInstalledPackage(specifier, dir);
    if (!url) continue;
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (error) {
      throw EdgeplaneError.from(error, 'app-kit', 'invalid-config');
    }
  }
  return null;
}

/**
 * A transport given as a path must name a regular file before it is imported: importing a
 * device or a FIFO (`/dev/zero`) would read without end. A missing path is left to the import.
 */
async function refuseNonFile(path: string, name: string): Promise<void> {
  const stats = await stat(path).catch(() => null);
  if (!stats || stats.isFile()) return;
  const what = stats.isDirectory() ? 'a directory' : 'not a regular file';
  throw new EdgeplaneError(
    'invalid-config',
    'app-kit',
    `transport module ${name} is ${what} (a device, pipe, socket or directory is never imported)`,
    {
      details: { transport: name, notRegularFile: true },
      hint: 'give the path of the transport module file (e.g. ./my-transport.js), or a transport name',
    },
  );
}

function fromFileUrl(name: string): string {
  try {
    return fileURLToPath(name);
  } catch (error) {
    throw new EdgeplaneError(
      'invalid-config',
      'app-kit',
      `transport ${name} is not a valid file: URL`,
      {
        cause: error,
        details: { transport: name },
        hint: 'write the path of the module file (./my-transport.js) or file:///abs/path.js',
      },
    );
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Resolves a transport name to its descriptor (STYLE §2): a built-in, else the packages
 * `@edgeplane/transport-<name>` then `edgeplane-transport-<name>`, else a module specifier or a
 * path (`./my-transport.js`). Each package is looked up through `importer` (the caller's own
 * install, e.g. the CLI's), then in the `node_modules` at or above each of `searchDirs` (the
 * config file's directory and the working directory: a transport installed beside the
 * deployment). A module provides the descriptor as its default export, as `transport`, or as
 * `<camelName>Transport`. A path (or `file:` URL) must name a regular file: a device, FIFO,
 * socket or directory is refused before anything is imported.
 * @throws EdgeplaneError `invalid-config` naming the transport and what was tried.
 */
export async function loadTransport(
  name: string,
  cwd: string = process.cwd(),
  importer: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
  searchDirs: readonly string[] = [cwd],
): Promise<TransportDescriptor> {
  const builtIn = BUILT_IN_TRANSPORTS.get(name);
  if (builtIn) return builtIn;
  const fileUrl = /^file:/i.test(name);
  const local = fileUrl || name.startsWith('.') || isAbsolute(name);
  const path = fileUrl ? fromFileUrl(name) : resolve(cwd, name);
  if (local) await refuseNonFile(path, name);
  const candidates = local
    ? [pathToFileURL(path).href]
    : [
        `@edgeplane/transport-${name}`,
        `edgeplane-transport-${name}`,
        ...(name.includes('/') ? [name] : []),
      ];
  for (const specifier of candidates) {
    const mod = await importModule(specifier, local, importer, searchDirs);
    if (!mod) continue;
    const base =
      name
        .split('/')
        .pop()
        ?.replace(/^(edgeplane-)?transport-/, '') ?? name;
    const found = [mod.default, mod.transport, mod[`${camel(base)}Transport`]].find(isDescriptor);
    if (found) return found;
    throw new EdgeplaneError(
      'invalid-config',
      'app-kit',
      `module "${specifier}" does not export a transport descriptor`,
      {
        hint: 'export the defineTransport(...) result as the default export',
      },
    );
  }
  throw new EdgeplaneError(
    'invalid-config',
    'app-kit',
    local
      ? `no transport module at ${name}`
      : `unknown transport "${name}" (tried ${candidates.join(', ')})`,
    {
      details: { transport: name },
      hint: local
        ? 'check the path; a transport module exports its defineTransport(...) descriptor'
        : `run \`edgeplane transports\` (or listInstalledTransports()) for the installed ones; install a third-party one beside the deployment: npm install edgeplane-transport-${name} in ${searchDirs[0] ?? cwd}`,
    },
  );
}
