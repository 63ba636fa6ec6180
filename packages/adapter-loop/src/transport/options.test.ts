import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTransport, kv } from './options.js';

const options = z.object({
  path: z.string().meta({ description: 'file path' }),
  max: kv.int(1, 10).default(5).meta({ description: 'limit' }),
  on: kv.bool().default(false),
  mode: kv.oneOf(['a', 'b']).optional(),
  hosts: kv.list().optional(),
  password: kv.secret().optional(),
});
const t = defineTransport({ name: 'demo', summary: 'demo', options, create: () => ({}) as never });

describe('defineTransport', () => {
  it('coerces string options from the kv config', () => {
    expect(t.parseOptions({ path: 'x', max: '7', on: 'true', mode: 'b', hosts: 'a, b' })).toEqual({
      path: 'x',
      max: 7,
      on: true,
      mode: 'b',
      hosts: ['a', 'b'],
    });
  });
  it('names the option, what was expected and what was given', () => {
    const msg = (input: unknown) => {
      try {
        t.parseOptions(input);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg({ path: 'x', max: '70' })).toBe(
      '[transport:demo] option "max": expected an integer in [1, 10], got "70"',
    );
    expect(msg({ path: 'x', on: 'yes' })).toBe(
      '[transport:demo] option "on": expected true or false, got "yes"',
    );
    expect(msg({ path: 'x', mode: 'c' })).toBe(
      '[transport:demo] option "mode": expected one of a, b, got "c"',
    );
    expect(msg({})).toBe('[transport:demo] option "path" is required');
    expect(msg({ path: 'x', nope: 1 })).toBe('[transport:demo] unknown option "nope"');
  });
  it('describes options for help and docs', () => {
    const d = t.describeOptions();
    expect(d.find((o) => o.name === 'max')).toEqual({
      name: 'max',
      type: 'integer in [1, 10]',
      required: false,
      default: 5,
      description: 'limit',
      secret: undefined,
    });
    expect(d.find((o) => o.name === 'path')).toMatchObject({
      required: true,
      type: 'string',
      description: 'file path',
    });
    expect(d.find((o) => o.name === 'password')?.secret).toBe(true);
  });
});
