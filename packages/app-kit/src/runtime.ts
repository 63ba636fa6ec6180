import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { name: string; version: string };

/** Name and version of this runtime (`runtime.json` `crate.*`, policy audit `runtime_crate`). */
export const RUNTIME: { readonly name: string; readonly version: string } = {
  name: 'edgeplane',
  version: pkg.version,
};
