import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport, TransportDescriptor } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import type { ResolvedBinding } from './deployment.js';
import { loadDeployment } from './deployment.js';
import { CHECK_GRACE_MS, checkEndpoints } from './endpoints.js';

const SPEC =
  'v=1\nname=t\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-endpoints-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A binding around a hand-made transport (what a third-party package may ship). */
function binding(name: string, transport: Partial<Transport>): ResolvedBinding {
  const full = { name, close: async () => {}, ...transport } as Transport;
  const descriptor = { name, describeOptions: () => [] } as unknown as TransportDescriptor;
  return { descriptor, options: {}, transport: full, name: undefined };
}

describe('checkEndpoints', () => {
  it('file → file from a real deployment: the ingress file and the egress directory, named by adapter', async () => {
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv':
        'ingress.transport=file\ningress.name=logs\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\negress.transport=file\negress.path=${EDGEPLANE_CONFIG_DIR}/out.log\n',
      'in.log': 'a\n',
    });
    const d = await loadDeployment({ specPath: 'spec.kv', env: {}, cwd });
    const checks = await checkEndpoints(d, { timeoutMs: 5000 });
    expect(checks.map((c) => [c.adapter, c.role, c.transport, c.name, c.status])).toEqual([
      ['logs', 'ingress', 'file', 'path', 'ok'],
      ['logs', 'ingress', 'file', 'checkpoint', 'ok'],
      ['file-egress', 'egress', 'file', 'directory', 'ok'],
      ['file-egress', 'egress', 'file', 'file', 'ok'],
      ['file-egress', 'egress', 'file', 'disk', expect.stringMatching(/ok|warn/)],
    ]);
    expect(checks.every((c) => c.scope === 'endpoint')).toBe(true);
  });

  it('no check(): one warn; a throw: one fail with its hint; secrets redacted', async () => {
    const checks = await checkEndpoints(
      {
        ingress: binding('legacy', {}),
        egress: binding('thrower', {
          check: async () => {
            throw new Error('cannot reach user:hunter2@db');
          },
        }),
        secrets: ['hunter2'],
      },
      { timeoutMs: 1000 },
    );
    expect(checks).toEqual([
      {
        scope: 'endpoint',
        adapter: 'legacy-ingress',
        role: 'ingress',
        transport: 'legacy',
        name: 'check',
        status: 'warn',
        detail: 'transport legacy does not check its endpoint',
        fix: 'install a version of the transport with check(), or check the endpoint by hand',
      },
      {
        scope: 'endpoint',
        adapter: 'thrower-egress',
        role: 'egress',
        transport: 'thrower',
        name: 'check',
        status: 'fail',
        detail: '[transport:thrower] cannot reach user:[redacted]@db',
        fix: "the transport's check() failed: see docs/transports/thrower.md",
      },
    ]);
  });

  it('a check that never answers (ignores its signal) is one fail after the timeout and the grace', async () => {
    let aborted = false;
    const started = Date.now();
    const checks = await checkEndpoints(
      {
        ingress: binding('hangs', {
          check: ({ signal }) => {
            signal.addEventListener('abort', () => {
              aborted = true;
            });
            return new Promise(() => {});
          },
        }),
        egress: binding('quick', {
          check: async ({ role, timeoutMs }) => [
            { name: 'reachable', status: 'ok', detail: `${role} in ${timeoutMs}`, durationMs: 0.4 },
          ],
        }),
        secrets: [],
      },
      { timeoutMs: 300 },
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(300 + CHECK_GRACE_MS - 20);
    expect(took).toBeLessThan(300 + CHECK_GRACE_MS + 1000);
    expect(aborted).toBe(true);
    expect(checks[0]).toMatchObject({
      adapter: 'hangs-ingress',
      status: 'fail',
      detail: 'no answer within 300 ms',
      durationMs: 300,
    });
    expect(checks[1]).toMatchObject({
      name: 'reachable',
      detail: 'egress in 300',
      durationMs: 0.4,
    });
  });
});
