import { hash } from 'node:crypto';
import type { StageMessage } from '@edgeplane/adapter-loop';
import { readJson } from '../json-body.js';
import { type JsonPath, parseJsonPath } from '../redact/paths.js';
import { MAX_DEDUPE_KEY_CHARS } from './descriptor.js';

/** Where a message's dedupe key comes from (`stages.<id>.by`). */
export type KeySource =
  | { readonly kind: 'key' }
  | { readonly kind: 'body' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'field'; readonly path: JsonPath };

/** Parses `by`; undefined when it is not one of the forms. */
export function parseKeySource(text: string): KeySource | undefined {
  if (text === 'key' || text === 'body') return { kind: text };
  if (text.startsWith('header:') && text.length > 'header:'.length) {
    return { kind: 'header', name: text.slice('header:'.length) };
  }
  if (text.startsWith('field:')) {
    const path = parseJsonPath(text.slice('field:'.length));
    return path ? { kind: 'field', path } : undefined;
  }
  return undefined;
}

const digest = (data: string | Uint8Array): string => `#${hash('sha256', data, 'base64')}`;

/** A key short enough to remember: itself, or its SHA-256 (base64, `#`-prefixed) when longer. */
function bounded(key: string): string {
  return key.length > MAX_DEDUPE_KEY_CHARS || key.startsWith('#') ? digest(key) : key;
}

function fieldValue(value: unknown, path: JsonPath): unknown {
  let node = value;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = Object.hasOwn(node, seg) ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return node;
}

/**
 * The message's dedupe key, bounded in size; undefined when the message has none (no key, no
 * such header, the field absent or null).
 * @throws EdgeplaneError `invalid-input` from `readJson` when `field:` meets a body that is not JSON.
 */
export function dedupeKey(message: StageMessage, source: KeySource): string | undefined {
  switch (source.kind) {
    case 'key':
      return message.key === undefined ? undefined : bounded(message.key);
    case 'header': {
      const h = message.headers;
      return h && Object.hasOwn(h, source.name) ? bounded(h[source.name] as string) : undefined;
    }
    case 'body':
      return digest(message.body);
    case 'field': {
      const v = fieldValue(readJson(message), source.path);
      if (v === undefined || v === null) return undefined;
      return bounded(typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
}
