import { expect } from 'vitest';
import { SpecParseError } from './errors.js';
import { parseSpec } from './parse.js';
import type { ParseSpecOptions } from './types.js';

/** Parses `input`, expects a SpecParseError with exactly `message`, and returns it. */
export function expectSpecError(
  input: string | Uint8Array,
  message: string,
  options?: ParseSpecOptions,
): SpecParseError {
  let caught: unknown;
  try {
    parseSpec(input, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SpecParseError);
  const error = caught as SpecParseError;
  expect(error.message).toBe(message);
  expect(error.code).toBe('invalid-config');
  expect(error.component).toBe('spec-kv');
  expect(error.hint).toMatch(/\S/);
  expect(error.hint).not.toContain('\n');
  return error;
}

/** Joins lines with LF and a final newline. */
export const kv = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** The smallest valid spec's lines, to build on. */
export const MINIMAL: readonly string[] = ['v=1', 'name=orders', 'single_ring.stages.0.id=parse'];
