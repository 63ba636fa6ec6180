import { isSecretKey } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { transformStageDescriptors, transformStageFactories } from '../src/index.js';
import { context, thrown } from './helpers.js';

/** Settings that make each stage valid, so one setting can be varied at a time. */
const REQUIRED: Record<string, Record<string, string>> = {
  redact: { presets: 'email' },
  dedupe: {},
  rate_limit: { rate: '10' },
};

describe('transformStageDescriptors', () => {
  it('describe exactly the registered stages, all pure', () => {
    expect(transformStageDescriptors.map((d) => d.key)).toEqual(
      Object.keys(transformStageFactories()),
    );
    for (const d of transformStageDescriptors) {
      expect(d.pure).toBe(true);
      expect(d.summary.length).toBeGreaterThan(20);
    }
  });

  // parse:, filter and map: src/descriptors-part1.test.ts (their settings depend on the format)
  it('every declared setting is accepted, with its default; an undeclared one is refused', () => {
    const keys = ['redact', 'dedupe', 'rate_limit'];
    for (const d of transformStageDescriptors.filter((x) => keys.includes(x.key))) {
      const factory = transformStageFactories()[d.key];
      for (const s of d.settings) {
        expect(s.description.length, `${d.key}.${s.name}`).toBeGreaterThan(10);
        if (s.default === undefined) continue;
        const settings = { ...REQUIRED[d.key], [s.name]: String(s.default) };
        expect(() => factory?.(context(d.key, settings)), `${d.key}.${s.name}`).not.toThrow();
      }
      const e = thrown(() => factory?.(context(d.key, { ...REQUIRED[d.key], nope: '1' })));
      expect(e.hint).toBe(
        `settings it accepts: ${d.settings.map((s) => `\`stages.s1.${s.name}\``).join(', ')}`,
      );
    }
  });

  it('a setting declared secret is also secret by name (isSecretKey), so snapshots, bundles and errors redact it without the descriptor', () => {
    const secrets = transformStageDescriptors.flatMap((d) => d.settings.filter((s) => s.secret));
    expect(secrets.map((s) => s.name)).toEqual(['hmac_key']);
    for (const s of secrets) expect(isSecretKey(`stages.any.${s.name}`)).toBe(true);
    // and no ordinary setting is mistaken for one (it would print as [redacted])
    const plain = transformStageDescriptors.flatMap((d) => d.settings.filter((s) => !s.secret));
    for (const s of plain) expect(isSecretKey(`stages.any.${s.name}`), s.name).toBe(false);
  });
});
