import { EdgeplaneError, printable } from '@edgeplane/errors';
import { parseInteger } from '@edgeplane/spec-kv';
import { z } from 'zod';
import { isSecretKey } from '../redact.js';
import type { OptionDescription, Transport, TransportDescriptor } from './types.js';

/**
 * Zod helpers for transport options that arrive either typed (from code) or as strings
 * (from the `key=value` adapter config). Each accepts both forms.
 */
/** Why a number-looking string is refused: the spec's integer rule, said in words. */
function notation(v: unknown): string {
  if (typeof v !== 'string') return '';
  const t = v.trim();
  if (t !== v && /^[+-]?[0-9]+$/.test(t)) return ' (no spaces around the number)';
  if (/^\+[0-9]+$/.test(v)) return ' (write it without "+")';
  if (v === '-0' || /^-?0[0-9]+$/.test(v)) return ' (write it without leading zeros, and 0 for -0)';
  return '';
}

function describeInput(v: unknown): string {
  return typeof v === 'string' ? `"${printable(v)}"` : printable(String(v));
}

/**
 * Zod helpers for transport options that arrive either typed (from code) or as strings
 * (from the `key=value` adapter config). Each accepts both forms, and its error message says
 * what was expected and what was given.
 */
export const kv = {
  /**
   * An integer in `[min, max]`; accepts `42` or `"42"`. Text follows the spec's integer rule
   * (`parseInteger` of `@edgeplane/spec-kv`): decimal digits, `-` for negatives, no `+`, no
   * leading zeros, no `-0`, no spaces.
   */
  int(
    min: number = Number.MIN_SAFE_INTEGER,
    max: number = Number.MAX_SAFE_INTEGER,
  ): z.ZodType<number> {
    const range =
      min === Number.MIN_SAFE_INTEGER
        ? ''
        : max === Number.MAX_SAFE_INTEGER
          ? ` >= ${min}`
          : ` in [${min}, ${max}]`;
    return z
      .unknown()
      .transform((v, ctx) => {
        const n =
          typeof v === 'number'
            ? v
            : typeof v === 'string'
              ? (parseInteger(v) ?? Number.NaN)
              : Number.NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
          ctx.addIssue({
            code: 'custom',
            message: `expected an integer${range}, got ${describeInput(v)}${notation(v)}`,
          });
          return z.NEVER;
        }
        return n;
      })
      .meta({ type: `integer${range}` }) as unknown as z.ZodType<number>;
  },
  /** `true`/`false`; accepts booleans or the strings `true`/`false`. */
  bool(): z.ZodType<boolean> {
    return z
      .unknown()
      .transform((v, ctx) => {
        if (v === true || v === 'true') return true;
        if (v === false || v === 'false') return false;
        ctx.addIssue({
          code: 'custom',
          message: `expected true or false, got ${describeInput(v)}`,
        });
        return z.NEVER;
      })
      .meta({ type: 'boolean' }) as unknown as z.ZodType<boolean>;
  },
  /** A non-empty comma-separated list, or an array of strings. */
  list(): z.ZodType<string[]> {
    return z
      .unknown()
      .transform((v, ctx) => {
        const items = Array.isArray(v)
          ? v
          : typeof v === 'string'
            ? v.split(',').map((x) => x.trim())
            : [];
        const clean = items.filter((x): x is string => typeof x === 'string' && x.length > 0);
        if (clean.length === 0 || clean.length !== items.length) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a comma-separated list of non-empty values, got ${describeInput(v)}`,
          });
          return z.NEVER;
        }
        return clean;
      })
      .meta({ type: 'list' }) as unknown as z.ZodType<string[]>;
  },
  /** One of the given values. */
  oneOf<T extends string>(values: readonly [T, ...T[]]): z.ZodType<T> {
    return z
      .unknown()
      .transform((v, ctx) => {
        if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
        ctx.addIssue({
          code: 'custom',
          message: `expected one of ${values.join(', ')}, got ${describeInput(v)}`,
        });
        return z.NEVER;
      })
      .meta({ type: values.join(' | ') }) as unknown as z.ZodType<T>;
  },
  /** A secret string: redacted wherever the config is printed. */
  secret(): z.ZodType<string> {
    return z.string().min(1).meta({ secret: true }) as unknown as z.ZodType<string>;
  },
};

/** Formats a zod error as one line per issue: `option "x": message`. */
export function formatOptionIssues(error: z.ZodError): { message: string; option: string } {
  const first = error.issues[0];
  const option = !first
    ? ''
    : first.code === 'unrecognized_keys'
      ? [...first.path.map(String), first.keys[0] ?? ''].join('.')
      : first.path.map(String).join('.');
  const lines = error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined)
      return `option "${name}" is required`;
    return `option "${name}": ${issue.message}`;
  });
  return { message: lines.join('; '), option };
}

interface Meta {
  description?: string;
  secret?: boolean;
  type?: string;
}

/** Walks default/optional wrappers, merging metadata (outer wins) and finding the type name. */
function inspect(field: z.ZodType): { meta: Meta; type: string; defaultValue: unknown } {
  let meta: Meta = {};
  let current: z.ZodType | undefined = field;
  let type = 'string';
  let defaultValue: unknown;
  while (current) {
    meta = { ...((current.meta() ?? {}) as Meta), ...meta };
    const def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } = (
      current as unknown as { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } }
    ).def;
    if (def.type === 'default') defaultValue = def.defaultValue;
    type = def.type;
    current = def.type === 'default' || def.type === 'optional' ? def.innerType : undefined;
  }
  return { meta, type: meta.type ?? (type === 'pipe' ? 'string' : type), defaultValue };
}

/** Builds an `OptionDescription[]` from a zod object schema (for help and generated docs). */
export function describeOptions(schema: z.ZodObject): OptionDescription[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const f = field as z.ZodType;
    const { meta, type, defaultValue } = inspect(f);
    return {
      name,
      type,
      required: !f.safeParse(undefined).success,
      default: defaultValue,
      description: meta.description ?? f.description ?? '',
      secret: meta.secret === true || isSecretKey(name) || undefined,
    };
  });
}

/** What `defineTransport` takes: a zod object schema of the options and a factory. */
export interface TransportDefinition<S extends z.ZodObject> {
  readonly name: string;
  readonly summary: string;
  readonly options: S;
  readonly create: (options: z.output<S>) => Transport;
}

/**
 * Builds a `TransportDescriptor` from a strict zod schema: unknown option keys are rejected,
 * and every problem becomes an `invalid-config` error naming the option.
 * @example
 * export const fileTransport = defineTransport({ name: 'file', summary: '...', options, create });
 */
export function defineTransport<S extends z.ZodObject>(
  def: TransportDefinition<S>,
): TransportDescriptor<z.output<S>> {
  const strict = def.options.strict();
  const parseOptions = (input: unknown): z.output<S> => {
    const result = strict.safeParse(input ?? {});
    if (result.success) return result.data as z.output<S>;
    const { message, option } = formatOptionIssues(result.error);
    throw new EdgeplaneError('invalid-config', `transport:${def.name}`, message, {
      details: { option },
      hint: `the options are listed by \`describeOptions()\` (CLI: \`edgeplane transports --name=${def.name}\`)`,
    });
  };
  return {
    name: def.name,
    summary: def.summary,
    parseOptions,
    describeOptions: () => describeOptions(def.options),
    create: (options) => def.create(parseOptions(options)),
  };
}
