import { expect } from 'vitest';
import { check } from '../register.js';
import type { ConformanceContext, ConformanceRole } from '../types.js';

/** Declarations are executable: what the suite was told equals what the transport reports. */
export function capabilities<S>(ctx: ConformanceContext<S>): void {
  const { declares, descriptor } = ctx.options;
  const roles: ConformanceRole[] = [];
  if (declares.source) roles.push('source');
  if (declares.sink) roles.push('sink');

  check(ctx, 'transport.capabilities equals what the suite was told', undefined, async () => {
    expect(roles.length, 'a transport must be a source, a sink or both').toBeGreaterThan(0);
    for (const role of roles) {
      const t = ctx.track(ctx.options.create(ctx.createContext(role)));
      expect({ ...t.capabilities }, `capabilities of the ${role}`).toEqual({ ...declares });
    }
  });

  check(
    ctx,
    'send() and receive() exist exactly when sink and source are declared',
    undefined,
    async () => {
      for (const role of roles) {
        const t = ctx.track(ctx.options.create(ctx.createContext(role)));
        expect(typeof t.send === 'function', `send() vs sink: ${declares.sink}`).toBe(
          declares.sink,
        );
        expect(typeof t.receive === 'function', `receive() vs source: ${declares.source}`).toBe(
          declares.source,
        );
      }
    },
  );

  check(
    ctx,
    'the descriptor matches the transport and documents every option',
    undefined,
    async () => {
      const t = ctx.track(ctx.options.create(ctx.createContext(roles[0] ?? 'source')));
      expect(descriptor.name).toBe(t.name);
      expect(descriptor.summary.length, 'descriptor.summary').toBeGreaterThan(0);
      const options = descriptor.describeOptions();
      expect(options.length, 'describeOptions()').toBeGreaterThan(0);
      for (const option of options) {
        expect(option.name, 'option names are camelCase').toMatch(/^[a-z][a-zA-Z0-9]*$/);
        expect(option.description.length, `description of option ${option.name}`).toBeGreaterThan(
          0,
        );
      }
    },
  );

  check(ctx, 'declarations are consistent', undefined, async () => {
    if (declares.replay) expect(declares.source, 'replay needs source').toBe(true);
    if (declares.redelivery) expect(declares.source, 'redelivery needs source').toBe(true);
    if (declares.ordering === 'per-key')
      expect(declares.keys, "ordering 'per-key' needs keys").toBe(true);
    if (declares.maxBodyBytes !== undefined) expect(declares.maxBodyBytes).toBeGreaterThan(0);
    if (declares.maxInFlight !== undefined) {
      expect(declares.source, 'maxInFlight needs source').toBe(true);
      expect(
        Number.isInteger(declares.maxInFlight) && declares.maxInFlight >= 1,
        'maxInFlight is an integer ≥ 1',
      ).toBe(true);
    }
  });
}
