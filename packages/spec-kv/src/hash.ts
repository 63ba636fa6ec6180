import { createHash } from 'node:crypto';
import { encodeSpec } from './encode.js';
import type { Spec } from './types.js';

/** `sha256:` + lower-case hex of the given canonical text's bytes. */
export function hashCanonical(canonical: string): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/**
 * The spec hash that approvals and replay bind to (reference 1.1 and decision 1): `sha256:` +
 * hex of the bytes of `encodeSpec(spec)`. Specs that differ only in comments, blank lines,
 * key order, line endings, spelled-out defaults or authoring form hash the same.
 */
export function hashSpec(spec: Spec): `sha256:${string}` {
  return hashCanonical(encodeSpec(spec));
}
