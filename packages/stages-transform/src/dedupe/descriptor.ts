import type { StageDescriptor } from '../descriptor.js';

/** Default `stages.<id>.window_count`: distinct keys remembered. */
export const DEFAULT_DEDUPE_WINDOW_COUNT = 10_000;
/** Largest `window_count`: the memory cap (about 150 bytes per key, so about 150 MB at the cap). */
export const MAX_DEDUPE_KEYS = 1_000_000;
/** Largest `window_ms`: one day. */
export const MAX_DEDUPE_WINDOW_MS = 86_400_000;
/** Keys longer than this (UTF-16 code units) are remembered by their SHA-256 instead. */
export const MAX_DEDUPE_KEY_CHARS = 64;

/** `dedupe`: drops a message whose key was seen within a window of keys and/or time. */
export const dedupeDescriptor: StageDescriptor = {
  key: 'dedupe',
  summary:
    'Drops (filters) a message whose key (the message key, a header, a JSON field or the whole body) was seen within the last N distinct keys and/or the last T ms; bounded memory',
  pure: true,
  settings: [
    {
      name: 'by',
      type: 'key | header:<name> | field:<json.path> | body',
      required: false,
      default: 'key',
      description:
        'What identifies a message: its key, a header (`header:x-request-id`, name case-sensitive), a JSON field of the body (`field:order.id`; the body must be JSON) or the whole body.',
    },
    {
      name: 'window_count',
      type: 'integer',
      required: false,
      default: DEFAULT_DEDUPE_WINDOW_COUNT,
      description: `How many distinct keys are remembered (least recently seen forgotten first), 1-${MAX_DEDUPE_KEYS}: the memory cap, also with \`window_ms\`. A key seen again is remembered as recent.`,
    },
    {
      name: 'window_ms',
      type: 'integer',
      required: false,
      description: `Also forget a key this many ms after the message that was kept (1-${MAX_DEDUPE_WINDOW_MS}); unset: keys are forgotten by count only.`,
    },
    {
      name: 'missing',
      type: 'keep | drop | reject',
      required: false,
      default: 'keep',
      description:
        'A message without the key (no message key, no such header, field absent or null): `keep` passes it, `drop` filters it, `reject` refuses it as invalid input (the failure policy applies).',
    },
  ],
};
