import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliReference } from '../src/main.js';

it('docs/cli.md is generated from the command definitions (run `pnpm docs:cli` after changing a flag)', () => {
  expect(readFileSync(join(import.meta.dirname, '../../../docs/cli.md'), 'utf8')).toBe(
    cliReference(),
  );
});
