import { readFileSync } from 'node:fs';
import { isSecretKey, REDACTED, redactText } from '@edgeplane/adapter-loop';

/** `environment.json` of an incident bundle (reference 3.1), secrets redacted. */
export interface EnvironmentRecord {
  readonly pid: number;
  readonly cwd: string | null;
  readonly args: readonly string[];
  /** `[name, value]` pairs sorted by name. */
  readonly env: readonly (readonly [string, string])[];
  readonly proc_status: string | null;
}

/**
 * Captures the process environment with secrets redacted twice over: by name (PASSWORD, TOKEN,
 * API_KEY, SECRET, CREDENTIAL, AUTH...) and by value (any known secret appearing anywhere).
 */
export function environmentRecord(input: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly secrets: readonly string[];
}): EnvironmentRecord {
  const known = [
    ...input.secrets,
    ...Object.entries(input.env)
      .filter(([k, v]) => isSecretKey(k) && v)
      .map(([, v]) => v as string),
  ];
  const env = Object.entries(input.env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, isSecretKey(k) ? REDACTED : redactText(v, known)] as const);
  let procStatus: string | null = null;
  try {
    procStatus = readFileSync('/proc/self/status', 'utf8');
  } catch {
    procStatus = null;
  }
  return {
    pid: process.pid,
    cwd: input.cwd,
    args: input.args.map((a) => redactText(a, known)),
    env,
    proc_status: procStatus,
  };
}
