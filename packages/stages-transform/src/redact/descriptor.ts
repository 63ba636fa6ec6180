import type { StageDescriptor } from '../descriptor.js';
import { PRESET_NAMES } from './presets.js';
import { DEFAULT_MASK, MIN_HMAC_KEY_BYTES } from './replace.js';

/** `redact`: masks fields by JSON path and patterns (presets or a regex) in the body. */
export const redactDescriptor: StageDescriptor = {
  key: 'redact',
  summary:
    'Masks what is personal before it leaves: JSON fields by path, and e-mail addresses, IPv4 addresses, bearer tokens, card numbers or a regex in the body; with a fixed mask or a keyed HMAC-SHA256 pseudonym',
  pure: true,
  settings: [
    {
      name: 'fields',
      type: 'list of JSON paths',
      required: false,
      description:
        'Comma-separated JSON paths whose values are replaced whole (`user.email,client.ip`; `items.*.card` for every element; `items.0.card` for one). Needs a JSON body (scope `json`); null and absent values are left alone.',
    },
    {
      name: 'presets',
      type: `list of ${PRESET_NAMES.join(' | ')}`,
      required: false,
      description:
        'Comma-separated built-in patterns: `email`, `ipv4`, `bearer` (the token after `Bearer `), `card` (13-19 digits passing the Luhn check, together or in space/dash groups).',
    },
    {
      name: 'pattern',
      type: 'regex',
      required: false,
      description:
        'A JavaScript regular expression whose every match is replaced (use `a|b` for several). It must not match the empty string. Run by a backtracking engine: avoid nested quantifiers such as `(a+)+`.',
    },
    {
      name: 'scope',
      type: 'text | json',
      required: false,
      default: 'text',
      description:
        '`text`: presets and `pattern` run over the body as text (UTF-8, else byte by byte), so any body works. `json`: the body must be JSON; they run over every string value and number (keys are left alone) and the body stays valid JSON. `json` when `fields` is set.',
    },
    {
      name: 'mask',
      type: 'string',
      required: false,
      default: DEFAULT_MASK,
      description:
        'What replaces each match or field: 1-64 characters without `"`, `\\` or control characters (so a JSON text stays JSON). Not with `hmac_key`.',
    },
    {
      name: 'hmac_key',
      type: 'string',
      required: false,
      secret: true,
      description: `Replace with a keyed pseudonym instead of the mask: the first 32 hex characters of HMAC-SHA256(key, value), equal for equal values. At least ${MIN_HMAC_KEY_BYTES} bytes; a secret (redacted wherever the config is printed): put it in an environment variable, \`\${REDACT_HMAC_KEY}\`.`,
    },
  ],
};
