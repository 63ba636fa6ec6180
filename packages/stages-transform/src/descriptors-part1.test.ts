import { describe, expect, it } from 'vitest';
import { stage, thrown } from '../test/stage-helpers.js';
import { parseFilterMapDescriptors } from './descriptors-part1.js';
import { PARSE_FORMATS } from './parse/index.js';

describe('descriptors', () => {
  it('declare exactly the settings each stage accepts', () => {
    const [parse, filter, map] = parseFilterMapDescriptors;
    const declared = parse?.settings.map((s) => s.name).sort();
    const accepted = [...new Set(Object.values(PARSE_FORMATS).flatMap((f) => f.settings))].sort();
    expect(declared).toEqual(accepted);
    expect(filter?.settings.map((s) => s.name)).toEqual(['expression']);
    expect(map?.settings.map((s) => s.name)).toEqual(['expression']);
    expect(parseFilterMapDescriptors.every((d) => d.pure)).toBe(true);
  });

  it('pure: no stage declares a capability', () => {
    expect(stage('parse:json').capability).toBeUndefined();
    expect(stage('filter', { expression: 'true' }).capability).toBeUndefined();
    expect(stage('map', { expression: 'body' }).capability).toBeUndefined();
    expect(thrown(() => stage('map')).code).toBe('invalid-config');
  });
});
