import type { Stage, StageFactory, StageMessage } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';

const DIGITS = /\d(?=\d{4})/g;

/**
 * A custom stage: masks every digit of a card number but the last four
 * (`card=4111111111111111` → `card=************1111`) and drops messages marked `drop=1`.
 * Setting `mask` (default `*`, one character) comes from `stageSettings.<id>.mask`.
 */
export const maskCards: StageFactory = ({ id, settings }): Stage => {
  const mask = settings.mask ?? '*';
  if ([...mask].length !== 1) {
    throw new EdgeplaneError(
      'invalid-config',
      'stage:mask-cards',
      `stages.${id}.mask: expected one character, got "${mask}"`,
      {
        hint: `set stages.${id}.mask=* (or another single character)`,
      },
    );
  }
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return {
    key: 'mask-cards',
    process: (messages) =>
      messages.map((m): StageMessage | null => {
        const text = decoder.decode(m.body);
        if (text.includes('drop=1')) return null;
        const masked = text.replace(
          /card=(\d{12,19})/g,
          (_, n: string) => `card=${n.replace(DIGITS, mask)}`,
        );
        return masked === text ? m : { ...m, body: encoder.encode(masked) };
      }),
  };
};
