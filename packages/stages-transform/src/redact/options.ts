import type { StageFactoryContext } from '@edgeplane/adapter-loop';
import { StageSettings } from '../settings.js';
import { redactDescriptor } from './descriptor.js';
import { type JsonPath, parseJsonPath } from './paths.js';
import type { Replace } from './presets.js';
import { PRESET_NAMES, PRESETS, type Preset, type PresetName, regexPreset } from './presets.js';
import {
  DEFAULT_MASK,
  hmacReplace,
  isJsonSafeMask,
  MIN_HMAC_KEY_BYTES,
  maskReplace,
} from './replace.js';

/** Component of redact's errors: `[stage:redact] ...`. */
export const REDACT_COMPONENT = 'stage:redact';

/** The settings of a `redact` stage, checked. */
export interface RedactOptions {
  readonly fields: readonly JsonPath[];
  /** Presets, then the custom pattern, in the order they run. */
  readonly patterns: readonly Preset[];
  readonly scope: 'text' | 'json';
  readonly replace: Replace;
}

function customPattern(s: StageSettings, id: string): Preset | undefined {
  const source = s.string('pattern');
  if (source === undefined) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(source, 'g');
  } catch (error) {
    throw s.error(
      'pattern',
      `is not a valid regular expression: ${(error as Error).message}`,
      `write a JavaScript regex, e.g. stages.${id}.pattern=order-[0-9]+`,
    );
  }
  if (new RegExp(source).test('')) {
    throw s.error(
      'pattern',
      'matches the empty string (it would insert the mask everywhere)',
      'make it match at least one character: `+` instead of `*`',
    );
  }
  return regexPreset(re);
}

function replacement(s: StageSettings, context: StageFactoryContext): Replace {
  const key = context.settings.hmac_key;
  const mask = context.settings.mask;
  if (key !== undefined && mask !== undefined) {
    throw s.error(
      'mask',
      'is set together with `hmac_key`: a value is replaced by one or the other',
      `remove stages.${context.id}.mask (HMAC tokens) or stages.${context.id}.hmac_key (a fixed mask)`,
    );
  }
  if (key !== undefined) {
    if (Buffer.byteLength(key) < MIN_HMAC_KEY_BYTES) {
      throw s.error(
        'hmac_key',
        `is shorter than ${MIN_HMAC_KEY_BYTES} bytes (the value is a secret: not shown)`,
        'use a long random key, e.g. `openssl rand -hex 32`, from an environment variable',
      );
    }
    return hmacReplace(Buffer.from(key));
  }
  const m = mask ?? DEFAULT_MASK;
  if (m.length < 1 || m.length > 64 || !isJsonSafeMask(m)) {
    throw s.error(
      'mask',
      `must be 1-64 characters without \`"\`, \`\\\` or control characters, got ${JSON.stringify(m.slice(0, 80))}`,
      `write e.g. stages.${context.id}.mask=${DEFAULT_MASK}`,
    );
  }
  return maskReplace(m);
}

/**
 * Checks a redact stage's settings.
 * @throws EdgeplaneError `invalid-config` naming `stages.<id>.<setting>`: an unknown setting, a
 *   bad path, preset, regex, scope or mask, a short `hmac_key`, `mask` with `hmac_key`, `fields`
 *   with `scope=text`, or nothing to redact.
 */
export function parseRedactOptions(context: StageFactoryContext): RedactOptions {
  const s = new StageSettings(context, REDACT_COMPONENT, redactDescriptor);
  const fields = s.list('fields').map((text) => {
    const path = parseJsonPath(text);
    if (path) return path;
    throw s.error(
      'fields',
      `has a path with an empty segment: ${JSON.stringify(text)}`,
      'write dot-separated property names, e.g. user.email,items.*.card',
    );
  });
  const presets = s.list('presets').map((name) => {
    if ((PRESET_NAMES as readonly string[]).includes(name)) return PRESETS[name as PresetName];
    throw s.error(
      'presets',
      `names an unknown preset ${JSON.stringify(name)}`,
      `presets: ${PRESET_NAMES.join(', ')}; use stages.${context.id}.pattern for your own regex`,
    );
  });
  const custom = customPattern(s, context.id);
  const patterns = custom ? [...presets, custom] : presets;
  if (fields.length === 0 && patterns.length === 0) {
    throw s.error(
      'fields',
      'is not set, nor `presets` nor `pattern`: this redact stage would mask nothing',
      `set e.g. stages.${context.id}.presets=email,ipv4 or stages.${context.id}.fields=user.email`,
    );
  }
  const scope =
    context.settings.scope === undefined && fields.length > 0
      ? 'json'
      : (s.oneOf('scope', ['text', 'json'] as const) ?? 'text');
  if (scope === 'text' && fields.length > 0) {
    throw s.error(
      'scope',
      'is `text`, but `fields` needs a JSON body',
      `remove stages.${context.id}.scope (fields imply json), or drop fields`,
    );
  }
  return { fields, patterns, scope, replace: replacement(s, context) };
}
