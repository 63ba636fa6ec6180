import { EdgeplaneError } from '@edgeplane/errors';
import { z } from 'zod';
import type { OptionDescription, Transport, TransportDescriptor } from './types.js';

/**
 * Zod helpers for transport options that arrive either typed (from code) or as strings
 * (from the `key=value` adapter config). Each accepts both forms.
 */
export const kv = {
  /** An integer in `[min, max]`; accepts `42` or `"42"`. */
  int(
    min: number = Number.MIN_SAFE_INTEGER,
    max: number = Number.MAX_SAFE_INTEGER,
  ): z.ZodType<number> {
    return z
      .union([
        z.number(),
        z
          .string()
          .regex(/^-?[0-9]+$/, 'expected an integer')
          .transform(Number),
      ])
      .pipe(
        z.number().int('expected an integer').min(min).max(max),
      ) as unknown as z.ZodType<number>;
  },
  /** `true`/`false`; accepts booleans or the strings `true`/`false`. */
  bool(): z.ZodType<boolean> {
    return z.union([
      z.boolean(),
      z.enum(['true', 'false']).transform((v) => v === 'true'),
    ]) as unknown as z.ZodType<boolean>;
  },
  /** A non-empty comma-separated list, or an array of strings. */
  list(): z.ZodType<string[]> {
    return z.union([
      z.array(z.string().min(1)).min(1),
      z
        .string()
        .min(1)
        .transform((v) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        ),
    ]) as unknown as z.ZodType<string[]>;
  },
  /** A secret string: redacted wherever the config is printed. */
  secret(): z.ZodType<string> {
    return z.string().min(1).meta({ secret: true }) as unknown as z.ZodType<string>;
  },
};

/** Formats a zod error as one line per issue: `option "x": message`. */
export function formatOptionIssues(error: z.ZodError): { message: string; option: string } {
  const first = error.issues[0];
  const option = first ? first.path.map(String).join('.') : '';
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

/** Builds an `OptionDescription[]` from a zod object schema (for help and generated docs). */
export function describeOptions(schema: z.ZodObject): OptionDescription[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const f = field as z.ZodType;
    const meta = (f.meta() ?? {}) as { description?: string; secret?: boolean; type?: string };
    const def = (
      f as unknown as { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } }
    ).def;
    const optional = f.safeParse(undefined).success;
    const inner = def.innerType
      ? (def.innerType as unknown as { def: { type: string } }).def.type
      : def.type;
    return {
      name,
      type: meta.type ?? inner,
      required: !optional,
      default: def.type === 'default' ? def.defaultValue : undefined,
      description: meta.description ?? f.description ?? '',
      secret: meta.secret === true || name.toLowerCase().includes('password') || undefined,
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
  return {
    name: def.name,
    summary: def.summary,
    parseOptions(input: unknown): z.output<S> {
      const result = strict.safeParse(input ?? {});
      if (result.success) return result.data as z.output<S>;
      const { message, option } = formatOptionIssues(result.error);
      throw new EdgeplaneError('invalid-config', `transport:${def.name}`, message, {
        details: { option },
        hint: `see \`edgeplane transports --name=${def.name}\` or docs/transports/${def.name}.md for the options`,
      });
    },
    describeOptions: () => describeOptions(def.options),
    create: (options) => def.create(strict.parse(options) as z.output<S>),
  };
}
