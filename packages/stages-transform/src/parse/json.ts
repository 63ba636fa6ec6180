import { readFileSync } from 'node:fs';
import type { Stage, StageFactoryContext, StageOutput } from '@edgeplane/adapter-loop';
import { printable } from '@edgeplane/errors';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { attachJson, carriesJson, readJson } from '../json-body.js';
import { refuse, refuseError } from '../refuse.js';
import { component, settingError } from '../setting-checks.js';

/** Settings of `parse:json`. */
export const JSON_SETTINGS: readonly string[] = ['schema', 'schema_file'];

/** The schema text: `schema` (inline JSON) or `schema_file` (a path), not both; or none. */
function schemaText(context: StageFactoryContext): { text: string; setting: string } | undefined {
  const { schema, schema_file: file } = context.settings;
  if (schema !== undefined && file !== undefined)
    throw settingError(context, 'schema', 'and `schema_file` are both set', 'keep one of them');
  if (schema !== undefined) return { text: schema, setting: 'schema' };
  if (file === undefined) return undefined;
  try {
    return { text: readFileSync(file, 'utf8'), setting: 'schema_file' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw settingError(
      context,
      'schema_file',
      `cannot be read: ${printable(file, 200)} (${code})`,
      'give the path of a JSON Schema file (absolute, or relative to the working directory)',
    );
  }
}

/**
 * Compiles the JSON Schema of `parse:json` with ajv (draft 2020-12 and draft-07 keywords; formats
 * are not checked). Undefined when no schema is set.
 * @throws EdgeplaneError `invalid-config` naming `stages.<id>.schema` / `schema_file` when it is not
 *   JSON or not a valid schema.
 */
export function compileSchema(context: StageFactoryContext): ValidateFunction | undefined {
  const source = schemaText(context);
  if (!source) return undefined;
  let schema: unknown;
  try {
    schema = JSON.parse(source.text);
  } catch (error) {
    throw settingError(
      context,
      source.setting,
      `is not JSON: ${(error as Error).message}`,
      'write the JSON Schema as one JSON object',
    );
  }
  try {
    return new Ajv({ allErrors: false, strict: false, validateFormats: false }).compile(
      schema as object,
    );
  } catch (error) {
    throw settingError(
      context,
      source.setting,
      `is not a valid JSON Schema: ${printable((error as Error).message, 300)}`,
      'check the schema against https://json-schema.org/draft-07 (ajv)',
    );
  }
}

/** `/level must be equal to one of the allowed values (error, warn)` for ajv's first error. */
function schemaProblem(error: ErrorObject | undefined): string {
  if (!error) return 'does not conform';
  const at = error.instancePath || '(the body)';
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  return `${at} ${error.message ?? 'is invalid'}${allowed ? ` (${allowed.map((v) => JSON.stringify(v)).join(', ')})` : ''}`;
}

/**
 * `parse:json`: the body must be JSON (UTF-8), and conform to the schema when one is set; the
 * message keeps its exact bytes and carries the parsed value to the next stages.
 */
export function jsonStage(context: StageFactoryContext): Stage {
  const id = component(context);
  const validate = compileSchema(context);
  return {
    key: context.key,
    process: (messages) => {
      const out: StageOutput[] = new Array(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as (typeof messages)[number];
        let value: unknown;
        try {
          value = readJson(m);
        } catch (error) {
          out[i] = refuseError(id, error);
          continue;
        }
        if (validate && !validate(value)) {
          out[i] = refuse(
            id,
            `body does not conform to the schema: ${schemaProblem(validate.errors?.[0])}`,
            {
              details: { schemaPath: validate.errors?.[0]?.schemaPath },
            },
          );
          continue;
        }
        out[i] = carriesJson(m) ? m : attachJson(m, value);
      }
      return out;
    },
  };
}
