import type { StageFactoryContext } from '@edgeplane/adapter-loop';
import { EdgeplaneError, printable } from '@edgeplane/errors';
import type { StageDescriptor } from './descriptor.js';

/** `(stage 1, id "mask")`, appended to messages so the operator finds the spec line. */
export function where(context: Pick<StageFactoryContext, 'index' | 'id'>): string {
  return `(stage ${context.index}, id ${JSON.stringify(context.id)})`;
}

/**
 * Reads a stage's settings (`stages.<id>.<name>` strings) against its descriptor. Every failure
 * is an `invalid-config` EdgeplaneError naming `stages.<id>.<name>`, the stage and the fix; a
 * secret setting's value is never quoted.
 */
export class StageSettings {
  constructor(
    private readonly context: StageFactoryContext,
    private readonly component: string,
    private readonly descriptor: StageDescriptor,
  ) {
    const known = descriptor.settings.map((s) => s.name);
    const unknown = Object.keys(context.settings).find((k) => !known.includes(k));
    if (unknown !== undefined) {
      const accepted = known.map((k) => `\`stages.${context.id}.${k}\``).join(', ');
      throw this.error(
        printable(unknown),
        'is not a setting of this stage',
        `settings it accepts: ${accepted}`,
      );
    }
  }

  /** The `invalid-config` error for one setting: `` `stages.<id>.<name>` <problem> (stage N, id "x") ``. */
  error(name: string, problem: string, hint: string): EdgeplaneError {
    return new EdgeplaneError(
      'invalid-config',
      this.component,
      `\`stages.${this.context.id}.${name}\` ${problem} ${where(this.context)}`,
      {
        details: {
          stage: this.context.id,
          key: `stages.${this.context.id}.${name}`,
          setting: name,
          stageKey: this.context.key,
        },
        hint,
      },
    );
  }

  /** `got "value"`, or `got a value (hidden: secret)` for a secret setting. */
  private got(name: string, value: string): string {
    const secret = this.descriptor.settings.find((s) => s.name === name)?.secret;
    return secret
      ? '(the value is a secret: not shown)'
      : `got ${JSON.stringify(printable(value))}`;
  }

  /** The raw value, or the descriptor's default (as a string), or undefined. */
  string(name: string): string | undefined {
    const raw = this.context.settings[name];
    if (raw !== undefined) return raw;
    const fallback = this.descriptor.settings.find((s) => s.name === name)?.default;
    return fallback === undefined ? undefined : String(fallback);
  }

  /** An integer in [min, max]; undefined when absent without a default. `example` for the hint. */
  int(name: string, min: number, max: number, example: number = min): number | undefined {
    const raw = this.string(name)?.trim();
    if (raw === undefined) return undefined;
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max)) {
      throw this.error(
        name,
        `must be a whole number from ${min} to ${max}, ${this.got(name, raw)}`,
        `write e.g. stages.${this.context.id}.${name}=${example}`,
      );
    }
    return n;
  }

  /** A decimal number in (0, max]; undefined when absent without a default. */
  positive(name: string, max: number, unit: string): number | undefined {
    const raw = this.string(name)?.trim();
    if (raw === undefined) return undefined;
    const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n > 0 && n <= max)) {
      throw this.error(
        name,
        `must be a number of ${unit} above 0 and at most ${max}, ${this.got(name, raw)}`,
        `write e.g. stages.${this.context.id}.${name}=100`,
      );
    }
    return n;
  }

  /** One of `values`; undefined when absent without a default. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const raw = this.string(name)?.trim();
    if (raw === undefined) return undefined;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    throw this.error(
      name,
      `must be one of ${values.join(', ')}, ${this.got(name, raw)}`,
      `write e.g. stages.${this.context.id}.${name}=${values[0]}`,
    );
  }

  /** A comma-separated list, items trimmed, empty items refused; [] when absent. */
  list(name: string): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [];
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) {
      throw this.error(
        name,
        `has an empty item, ${this.got(name, raw)}`,
        'separate items with single commas, e.g. a,b',
      );
    }
    return items;
  }
}
