import { actionStageDescriptors } from '@edgeplane/stages-action';
import { type StageDescriptor, transformStageDescriptors } from '@edgeplane/stages-transform';

/** The core's built-in stage (adapter-loop `identityStage`), which declares nothing itself. */
const IDENTITY: StageDescriptor = {
  key: 'identity',
  summary: 'Forwards every message unchanged (built into the adapter loop)',
  pure: true,
  settings: [],
};

/** Which package each stage comes from, for the listing. */
const PACKAGES: ReadonlyMap<StageDescriptor, string> = new Map([
  [IDENTITY, '@edgeplane/adapter-loop'],
  ...transformStageDescriptors.map((d) => [d, '@edgeplane/stages-transform'] as const),
  ...actionStageDescriptors.map((d) => [d, '@edgeplane/stages-action'] as const),
]);

/**
 * Every stage the CLI's resolver knows (`runStages`), as declared by its package: identity, the
 * transform stages, the governed action families. Keys ending in `:` are families.
 */
export const STAGE_CATALOG: readonly StageDescriptor[] = [...PACKAGES.keys()];

/** The package a catalog entry comes from. */
export const stagePackage = (d: StageDescriptor): string => PACKAGES.get(d) ?? '';

/** The descriptor of a stage key: exact (`redact`), else its family (`http_post:` for `http_post:<url>`). */
export function stageDescriptor(key: string): StageDescriptor | undefined {
  const exact = STAGE_CATALOG.find((d) => d.key === key);
  if (exact) return exact;
  const colon = key.indexOf(':');
  return colon > 0 ? STAGE_CATALOG.find((d) => d.key === key.slice(0, colon + 1)) : undefined;
}

/** True when the stage (by key) declares the setting secret (e.g. redact's `hmac_key`). */
export function isSecretStageSetting(stageKey: string, name: string): boolean {
  return stageDescriptor(stageKey)?.settings.some((s) => s.name === name && s.secret) ?? false;
}
