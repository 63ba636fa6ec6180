import { printable } from '@edgeplane/errors';
/**
 * Stage keys are identities (reference decision 2): `identity`, `http_post:<url>`,
 * `exec:<program>|<arg>|...`, or a custom key the caller registered.
 *
 * @module
 */

import { closestMatch } from './suggest.js';

/** A governed side effect a stage key performs. */
export type StageCapability = 'http_post' | 'exec';

/**
 * The governed side effect of a stage key: `http_post` for `http_post:<url>`, `exec` for
 * `exec:<program>|...`, `null` for everything else (reference decision 2). In staging and prod
 * an approval must cover every capability of a spec (reference decision 7).
 */
export function stageCapability(stageKey: string): StageCapability | null {
  if (stageKey.startsWith('http_post:')) return 'http_post';
  if (stageKey.startsWith('exec:')) return 'exec';
  return null;
}

/** The built-in stage keys, as shown in messages and docs. */
export const BUILT_IN_STAGES: readonly string[] = [
  'identity',
  'http_post:<url>',
  'exec:<program>|<arg>|...',
];

function isKnown(stage: string, knownStages: readonly string[]): boolean {
  return knownStages.some((known) =>
    known.endsWith(':') ? stage.startsWith(known) && stage.length > known.length : stage === known,
  );
}

/** Why a stage key is rejected: the message detail and the one-line fix. */
export interface StageKeyProblem {
  readonly detail: string;
  readonly hint: string;
}

/**
 * Checks one stage key. `origin` is the key it was read from (for the message).
 * Returns undefined when the key is valid.
 */
export function checkStageKey(
  stage: string,
  origin: string,
  knownStages: readonly string[],
): StageKeyProblem | undefined {
  if (stage === 'identity') return undefined;
  const capability = stageCapability(stage);
  if (capability === 'http_post') {
    const url = stage.slice('http_post:'.length);
    if (/^https?:\/\/[^/]/.test(url) && URL.canParse(url)) return undefined;
    return {
      detail: `${printable(origin)}: http_post needs an http:// or https:// URL, got "${printable(stage)}"`,
      hint: 'write http_post:https://host/path',
    };
  }
  if (capability === 'exec') {
    const program = stage.slice('exec:'.length).split('|')[0];
    if (program) return undefined;
    return {
      detail: `${printable(origin)}: exec needs a program, got "${printable(stage)}"`,
      hint: 'write exec:<program>|<arg>|..., e.g. exec:/usr/bin/logger|-t|edgeplane',
    };
  }
  if (stage === '') {
    return {
      detail: `${printable(origin)} is empty; expected a stage key`,
      hint: 'write identity, http_post:<url> or exec:<program>|<arg>|...',
    };
  }
  if (isKnown(stage, knownStages)) return undefined;
  const custom = knownStages.filter((k) => !['identity', 'http_post:', 'exec:'].includes(k));
  const near = closestMatch(stage, ['identity', 'http_post:', 'exec:', ...custom]);
  const registered = custom.map((k) => (k.endsWith(':') ? `${k}<…>` : k));
  return {
    detail: `unknown stage "${printable(stage)}" in ${printable(origin)}; built-in stages: identity, http_post:<url>, exec:<program>|...${registered.length ? `; registered: ${registered.join(', ')}` : ''}; register custom stages with createStageResolver()`,
    hint: `${near ? `did you mean "${near.endsWith(':') ? `${near}...` : near}"? ` : ''}check the spelling, or register the custom stage and pass its key in knownStages`,
  };
}
