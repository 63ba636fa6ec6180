import { parseAdapterConfig } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { shownStageSettings } from './stage-settings.js';

const BASE = 'ingress.transport=file\ningress.path=a\negress.transport=file\negress.path=b\n';
const spec = {
  stages: [
    { id: 'mask', stage: 'redact', dependsOn: [] },
    { id: 'sign', stage: 'custom', dependsOn: [0] },
  ],
} as never;

describe('shownStageSettings', () => {
  it('redacts secret-named keys, declared secrets and values from secret variables; shows the rest', () => {
    const config = parseAdapterConfig(
      Buffer.from(
        `${BASE}stages.mask.hmac_key=k-in-clear-123456\nstages.mask.presets=email\nstages.mask.mask=\${MASK_TOKEN}\nstages.sign.salt=s-in-clear\nstages.sign.note=plain text\n`,
      ),
      { file: 'adapters.kv', env: { MASK_TOKEN: 'from-a-secret-variable' } },
    );
    const shown = shownStageSettings(
      spec,
      config,
      (key, name) => key === 'custom' && name === 'salt',
    );
    expect(shown).toEqual({
      mask: { hmac_key: '[redacted]', presets: 'email', mask: '[redacted]' },
      sign: { salt: '[redacted]', note: 'plain text' },
    });
    expect(JSON.stringify(shown)).not.toMatch(/k-in-clear|s-in-clear|from-a-secret-variable/);
  });
});
