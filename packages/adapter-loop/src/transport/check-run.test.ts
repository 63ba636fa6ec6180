import { describe, expect, it } from 'vitest';
import { compareVersions, type VersionRange, versionCheck } from './check-run.js';

const NATS_TESTED: VersionRange = {
  product: 'nats-server',
  from: '2.9',
  to: '2.10',
  label: '2.9.x',
  min: '2.2',
  docs: 'docs/transports/nats.md',
};

describe('versionCheck', () => {
  it('ok inside the tested range, warn outside it, fail below the minimum', () => {
    expect(compareVersions('2.9.10', '2.10')).toBeLessThan(0);
    expect(compareVersions('2.10.0', '2.10')).toBe(0);
    expect(versionCheck('2.9.10', NATS_TESTED)).toEqual({
      name: 'server-version',
      status: 'ok',
      detail: 'nats-server 2.9.10 (tested: 2.9.x)',
    });
    expect(versionCheck('2.10.4', NATS_TESTED)).toEqual({
      name: 'server-version',
      status: 'warn',
      detail: 'nats-server 2.10.4 is outside the tested range (tested: 2.9.x)',
      fix: 'expected to work, but not tested here: see "Server versions tested" in docs/transports/nats.md',
    });
    expect(versionCheck('2.1.9', NATS_TESTED)).toMatchObject({
      status: 'fail',
      detail:
        'nats-server 2.1.9 is older than 2.2, the oldest this transport works with (tested: 2.9.x)',
      fix: 'upgrade the server to 2.9 or newer',
    });
  });
});
