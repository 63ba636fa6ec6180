import type { StageFactoryContext } from '@edgeplane/adapter-loop';
import { EdgeplaneError, printable } from '@edgeplane/errors';

/** The component of a stage's errors: `stage:<id>` (messages start with `[stage:<id>]`). */
export function component(context: Pick<StageFactoryContext, 'id'>): string {
  return `stage:${context.id}`;
}

/** `(stage 1, id "errors")`, appended to messages so the operator finds the spec line. */
export function where(context: Pick<StageFactoryContext, 'index' | 'id'>): string {
  return `(stage ${context.index}, id ${JSON.stringify(context.id)})`;
}

/** `stages.<id>.<setting>` in backticks, as written in the adapter config. */
export function settingName(context: Pick<StageFactoryContext, 'id'>, setting: string): string {
  return `\`stages.${context.id}.${setting}\``;
}

/**
 * The error of a bad stage setting: `invalid-config`, naming `stages.<id>.<setting>` and the stage.
 * `detail` says what is wrong with the value; `hint` how to fix it.
 */
export function settingError(
  context: StageFactoryContext,
  setting: string,
  detail: string,
  hint: string,
  extra: Readonly<Record<string, unknown>> = {},
): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    component(context),
    `${settingName(context, setting)} ${detail} ${where(context)}`,
    {
      hint,
      details: {
        stage: context.id,
        key: `stages.${context.id}.${setting}`,
        setting,
        stageKey: context.key,
        ...extra,
      },
    },
  );
}

/**
 * Fails closed on settings this stage does not know (a typo must not be ignored).
 * @throws EdgeplaneError `invalid-config` naming the first unknown `stages.<id>.<setting>`.
 */
export function rejectUnknownSettings(
  context: StageFactoryContext,
  known: readonly string[],
): void {
  const unknown = Object.keys(context.settings).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  const accepted = known.length ? known.map((k) => settingName(context, k)).join(', ') : 'none';
  throw settingError(
    context,
    printable(unknown),
    'is not a setting of this stage',
    `settings it accepts: ${accepted}`,
  );
}

/**
 * A required setting's value.
 * @throws EdgeplaneError `invalid-config` when it is missing or blank.
 */
export function requireSetting(
  context: StageFactoryContext,
  setting: string,
  example: string,
): string {
  const value = context.settings[setting];
  if (value !== undefined && value.trim() !== '') return value;
  throw settingError(
    context,
    setting,
    value === undefined ? 'is required' : 'is empty',
    `set it in the adapter config, e.g. stages.${context.id}.${setting}=${example}`,
  );
}

/**
 * A yes/no setting: `true`/`false` (absent: `fallback`).
 * @throws EdgeplaneError `invalid-config` for any other value.
 */
export function booleanSetting(
  context: StageFactoryContext,
  setting: string,
  fallback: boolean,
): boolean {
  const value = context.settings[setting];
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw settingError(
    context,
    setting,
    `must be true or false, got "${printable(value, 40)}"`,
    `write stages.${context.id}.${setting}=true or =false`,
  );
}
