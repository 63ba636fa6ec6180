import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README quick start', () => {
  const section = readme.split('\n## ')[0] ?? '';
  const block =
    /```(?:sh|bash|shell)?\n([\s\S]*?)```/.exec(
      readme.slice(readme.indexOf('## Quick start')),
    )?.[1] ?? '';
  const lines = block.trim().split('\n');

  it('is the first section and holds exactly two command lines', () => {
    expect(readme.indexOf('## Quick start')).toBeGreaterThan(-1);
    expect(readme.indexOf('## Quick start')).toBeLessThan(
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5),
    );
    expect(section).not.toContain('## ');
    expect(lines).toHaveLength(2);
  });

  it('.ci/run runs line 2 (the test command)', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toContain(lines[1]);
  });
});
