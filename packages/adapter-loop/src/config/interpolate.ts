import { ConfigError } from './config-error.js';

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitutes `${VAR}` and `${VAR:-default}` from `env`; `$$` is a literal `$`.
 * @throws ConfigError naming the variable when it is unset and has no default.
 */
export function interpolate(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
  place: { file: string; line: number; column: number; key: string },
): { value: string; vars: string[] } {
  const vars: string[] = [];
  const out = value.replace(
    VAR,
    (match: string, name: string | undefined, fallback: string | undefined, offset: number) => {
      if (match === '$$') return '$';
      const n = name as string;
      vars.push(n);
      const v = env[n];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(
        { ...place, column: place.column + offset },
        `environment variable ${n} is not set (used by ${place.key})`,
        `export ${n}=... before starting, or write \${${n}:-default}`,
      );
    },
  );
  return { value: out, vars };
}
