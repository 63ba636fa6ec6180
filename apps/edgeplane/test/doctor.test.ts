import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG, cli, SPEC, workdir } from './helpers.js';

interface Row {
  scope: string;
  adapter?: string;
  role?: string;
  transport?: string;
  name: string;
  status: string;
  detail: string;
  fix?: string;
  durationMs?: number;
}

const servers: Server[] = [];
const held: Socket[] = [];
afterAll(() => {
  for (const s of held) s.destroy();
  for (const s of servers) s.close();
});

/** A file ingress (in.log present) and an http egress to `url`. */
const httpConfig = (url: string) =>
  `ingress.transport=file\ningress.path=\${EDGEPLANE_CONFIG_DIR}/in.log\negress.transport=http\negress.url=${url}\negress.authToken=\${TOKEN}\n`;

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('edgeplane doctor', () => {
  it('without --config: the host only, each row with scope host', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(['doctor', '--lane-path=lane', '--json'], { cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ready: boolean; checks: Row[] };
    expect(doc.ready).toBe(true);
    expect(doc.checks.map((c) => [c.scope, c.name])).toEqual(
      ['node', 'lane_path', 'disk', 'open_files', 'memlock', 'cpus', 'memory', 'clock'].map((n) => [
        'host',
        n,
      ]),
    );
  });

  it('--config with file → file: every endpoint check ok, exit 0, a table with the adapters', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': 'a\nb\n' });
    const r = await cli(['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane'], {
      cwd,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ADAPTER +CHECK +STAT TIME +DETAIL$/);
    expect(r.stdout).toMatch(/^file-ingress +path +ok +[\d.]+ ms +\/.*in\.log: regular file/m);
    expect(r.stdout).toMatch(/^file-egress +directory +ok /m);
    expect(lines.at(-1)).toMatch(/^ready \(\d+ ok, \d+ warn, 0 failed, 0 skipped\)$/);
    const json = await cli(
      ['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane', '--json'],
      { cwd },
    );
    const doc = JSON.parse(json.stdout) as { ready: boolean; checks: Row[] };
    const endpoints = doc.checks.filter((c) => c.scope === 'endpoint');
    expect(endpoints.map((c) => [c.adapter, c.role, c.transport, c.name, c.status])).toEqual([
      ['file-ingress', 'ingress', 'file', 'path', 'ok'],
      ['file-ingress', 'ingress', 'file', 'checkpoint', 'ok'],
      ['file-egress', 'egress', 'file', 'directory', 'ok'],
      ['file-egress', 'egress', 'file', 'file', 'ok'],
      ['file-egress', 'egress', 'file', 'disk', 'ok'],
    ]);
    for (const c of doc.checks) {
      expect(typeof c.detail).toBe('string');
      expect(
        Object.keys(c).filter(
          (k) =>
            ![
              'scope',
              'adapter',
              'role',
              'transport',
              'name',
              'status',
              'detail',
              'fix',
              'durationMs',
            ].includes(k),
        ),
      ).toEqual([]);
    }
    expect(endpoints.filter((c) => typeof c.durationMs === 'number').map((c) => c.name)).toEqual([
      'path',
      'directory',
      'file',
      'disk',
    ]);
  });

  it('the dead-letter binding is checked too, as an egress: a closed port fails it (exit 3)', async () => {
    const port = await freePort();
    const dl = `loop.failurePolicy=dead_letter\ndead_letter.transport=http\ndead_letter.url=http://127.0.0.1:${port}/dlq\ndead_letter.name=dlq\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + dl, 'in.log': 'a\n' });
    const r = await cli(
      ['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane', '--json'],
      { cwd },
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { ready: boolean; checks: Row[] };
    const dlq = doc.checks.filter((c) => c.adapter === 'dlq');
    expect(dlq[0]).toMatchObject({ role: 'dead_letter', transport: 'http', name: 'reachable' });
    expect(dlq.find((c) => c.name === 'reachable')).toMatchObject({ status: 'fail' });
    expect(doc.checks.filter((c) => c.status === 'fail').map((c) => c.adapter)).toEqual(['dlq']);
  });

  it('a missing ingress file fails (exit 3) with the fix', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG });
    const r = await cli(
      ['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane', '--json'],
      { cwd },
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { ready: boolean; checks: Row[] };
    expect(doc.ready).toBe(false);
    expect(doc.checks.find((c) => c.adapter === 'file-ingress' && c.name === 'path')).toMatchObject(
      {
        status: 'fail',
        detail: expect.stringContaining('in.log: no such file or directory (ENOENT)'),
        fix: expect.stringContaining('the source reads an existing file'),
      },
    );
  });

  it('a closed port for the http egress: exit 3, the fix printed, the token never shown', async () => {
    const port = await freePort();
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': httpConfig(`http://127.0.0.1:${port}/in`),
      'in.log': 'a\n',
    });
    const r = await cli(['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane'], {
      cwd,
      env: { TOKEN: 'doctor-test-token-8f3a' },
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^http-egress +reachable +FAIL /m);
    expect(flat(r.stdout)).toContain(`connect to 127.0.0.1:${port} (http): connection refused`);
    expect(flat(r.stdout)).toContain('fix: start the receiving server there, or fix `url`');
    expect(r.stdout).toMatch(/^http-egress +request +skip /m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^NOT ready \(.*1 failed, 2 skipped\)$/);
    expect(r.stdout + r.stderr).not.toContain('doctor-test-token-8f3a');
  });

  it('--timeout-ms against a peer that accepts TCP and never answers: fail within the timeout', async () => {
    const server = createServer((socket) => held.push(socket));
    servers.push(server);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': httpConfig(`http://127.0.0.1:${port}/in`),
      'in.log': 'a\n',
    });
    const started = Date.now();
    const r = await cli(
      [
        'doctor',
        '--spec=spec.kv',
        '--config=adapters.kv',
        '--lane-path=lane',
        '--timeout-ms=700',
        '--json',
      ],
      { cwd, env: { TOKEN: 't' } },
    );
    const took = Date.now() - started;
    expect(r.code).toBe(3);
    expect(took).toBeLessThan(700 + 1000);
    const checks = (JSON.parse(r.stdout) as { checks: Row[] }).checks;
    expect(checks.find((c) => c.name === 'reachable')?.status).toBe('ok');
    expect(checks.find((c) => c.name === 'request')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^OPTIONS \/in: no answer within \d+ ms$/),
      fix: expect.stringContaining('--timeout-ms'),
    });
  });

  it('Ctrl-C during the endpoint checks: exit 130 at once, one line', async () => {
    const server = createServer((socket) => held.push(socket));
    servers.push(server);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': httpConfig(`http://127.0.0.1:${port}/in`),
      'in.log': 'a\n',
    });
    const started = Date.now();
    const r = await cli(['doctor', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane'], {
      cwd,
      env: { TOKEN: 't' },
      signal: (fire) => setTimeout(() => fire('SIGINT'), 200),
    });
    expect(r.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(r.stderr).toBe('stopped by SIGINT; the endpoint checks were cut short\n');
    expect(r.stdout).toBe('');
  });

  it('a bad config is exit 2 with the usual error; a bad --timeout-ms too', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': 'ingress.transport=nosuch\n' });
    const bad = await cli(['doctor', '--spec=spec.kv', '--config=adapters.kv'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: adapters\.kv:/);
    const missing = await cli(['doctor', '--spec=spec.kv', '--config=none.kv'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: adapter config none.kv does not exist');
    const zero = await cli(['doctor', '--timeout-ms=0'], { cwd });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--timeout-ms must be between 1 and 600000, got 0');
  });
});
