import { describe, expect, it } from 'vitest';
import { factoryContext } from '../test/fixtures.js';
import { actionStageDescriptors, actionStageFactories } from './index.js';

const ENV = {
  BYTEOR_EXEC_ALLOWLIST: '/bin/true',
  BYTEOR_HTTP_POST_ALLOWLIST: 'http://127.0.0.1/',
};
const KEYS = { 'http_post:': 'http_post:http://127.0.0.1/x', 'exec:': 'exec:/bin/true' };

describe('actionStageDescriptors', () => {
  it('describe exactly the registered families, as governed (not pure) with their capability', () => {
    expect(actionStageDescriptors.map((d) => d.key)).toEqual(
      Object.keys(actionStageFactories(ENV)),
    );
    for (const d of actionStageDescriptors) {
      expect(d.pure).toBe(false);
      expect(d.capability).toBe(d.key.slice(0, -1));
    }
  });

  it('list exactly the settings each stage accepts (the defaults are accepted values)', () => {
    for (const d of actionStageDescriptors) {
      const factory = actionStageFactories(ENV)[d.key];
      const key = KEYS[d.key as keyof typeof KEYS];
      const settings = Object.fromEntries(d.settings.map((s) => [s.name, String(s.default)]));
      expect(() => factory?.(factoryContext(key, settings))).not.toThrow();
      const unknown = () => factory?.(factoryContext(key, { nope: '1' }));
      const accepted = d.settings.map((s) => `\`stages.act.${s.name}\``).join(', ') || 'none';
      expect(unknown).toThrow(/unknown setting/);
      try {
        unknown();
      } catch (error) {
        expect((error as { hint: string }).hint).toBe(`settings this stage accepts: ${accepted}`);
      }
    }
  });
});
