import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG, cli, lines, workdir } from './helpers.js';
import { TEST_SECRETS } from './secrets.js';

interface Recorded {
  path: string;
  auth: string | undefined;
  body: Buffer;
}

let server: Server;
let base = '';
const recorded: Recorded[] = [];
const read = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((r) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => r(Buffer.concat(chunks)));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    recorded.push({ path: req.url ?? '', auth: req.headers.authorization, body: await read(req) });
    res
      .writeHead(
        req.url?.includes('/api/v1/agents/') && req.url.endsWith('/signing-keys') ? 500 : 200,
      )
      .end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const spec = (url: string) =>
  `v=1\nname=gov\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.1.id=post\nsingle_ring.stages.1.stage=http_post:${url}\nsingle_ring.stages.1.depends_on=0\n`;
const API_KEY = TEST_SECRETS.agentApiKey;

async function governedDir(): Promise<{ cwd: string; env: Record<string, string> }> {
  const cwd = workdir({
    'spec.kv': spec(`${base}/hook`),
    'adapters.kv': CONFIG,
    'in.log': lines(50),
  });
  const env = { BYTEOR_HTTP_POST_ALLOWLIST: `${base}/hook` };
  expect((await cli(['approval', 'keygen', '--kid=dev-1', '--out=keys'], { cwd })).code).toBe(0);
  return { cwd, env };
}

describe('governed side effects (http_post:)', () => {
  it('a prod run without an approval exits 2 naming the check; with a valid one it runs and POSTs every message', async () => {
    const { cwd, env } = await governedDir();
    const refused = await cli(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        '--environment=prod',
        '--approval-key-set=keys/signing_keys.json',
      ],
      { cwd, env },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: run refused: stage 1 (http_post:');
    expect(refused.stderr).toContain(
      'prod posture requires an approval granting http_post (no verified approval)',
    );

    const issued = await cli(
      [
        'approval',
        'issue',
        '--key=keys/dev-1.private.jwk.json',
        '--spec=spec.kv',
        '--environment=prod',
        '--capabilities=http_post',
        '--out=approval.cred',
      ],
      { cwd, env },
    );
    expect(issued.code).toBe(0);
    recorded.length = 0;
    const ok = await cli(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        '--environment=prod',
        '--approval-key-set=keys/signing_keys.json',
        '--json',
      ],
      { cwd, env },
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc.policy_audit).toMatchObject({
      ok: true,
      posture: 'prod',
      approval: { present: true, verified: true, credential_source: 'spec-dir' },
    });
    expect(recorded.filter((r) => r.path === '/hook').map((r) => r.body.toString())).toEqual(
      lines(50).split('\r\n'),
    );
    expect(readFileSync(join(cwd, 'out.log'), 'utf8').split('\n').slice(0, -1)).toEqual(
      lines(50).split('\r\n'),
    );
  });

  it('names the failed check of a credential for another posture', async () => {
    const { cwd, env } = await governedDir();
    await cli(
      [
        'approval',
        'issue',
        '--key=keys/dev-1.private.jwk.json',
        '--spec=spec.kv',
        '--environment=staging',
        '--capabilities=http_post',
        '--out=approval.cred',
      ],
      { cwd, env },
    );
    const r = await cli(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        '--environment=prod',
        '--approval-key-set=keys/signing_keys.json',
      ],
      { cwd, env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'the credential was rejected: [approval] environment posture mismatch',
    );
  });

  it('refuses a URL outside the allow-list before anything moves', async () => {
    const cwd = workdir({
      'spec.kv': spec('http://127.0.0.1:9/elsewhere'),
      'adapters.kv': CONFIG,
      'in.log': lines(5),
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], {
      cwd,
      env: { BYTEOR_HTTP_POST_ALLOWLIST: `${base}/hook` },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BYTEOR_HTTP_POST_ALLOWLIST');
    expect(() => readFileSync(join(cwd, 'out.log'))).toThrow();
  });

  it('--dry-run records the side effects without performing them', async () => {
    const { cwd, env } = await governedDir();
    recorded.length = 0;
    const r = await cli(
      ['run', '--spec=spec.kv', '--lane-path=lane', '--environment=prod', '--dry-run', '--json'],
      { cwd, env },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).policy_audit.decisions[0].decision).toBe('DryRunOnly');
    expect(recorded.filter((x) => x.path === '/hook')).toHaveLength(0);
  });
});

describe('agent reporting and secrets', () => {
  it('sends heartbeats and snapshots with the bearer key, and no output or bundle contains the key', async () => {
    const { cwd, env } = await governedDir();
    recorded.length = 0;
    const reporting = {
      ...env,
      BYTEOR_API_BASE_URL: base,
      BYTEOR_AGENT_ID: 'agent-7',
      BYTEOR_AGENT_API_KEY: API_KEY,
    };
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--dry-run', '--json'], {
      cwd,
      env: reporting,
    });
    expect(r.code).toBe(0);
    const heartbeats = recorded.filter((x) => x.path === '/api/v1/agents/agent-7/heartbeat');
    const snapshots = recorded.filter((x) => x.path === '/api/v1/agents/agent-7/snapshots');
    expect(heartbeats.length).toBeGreaterThanOrEqual(1);
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    expect(heartbeats[0]?.auth).toBe(`Bearer ${API_KEY}`);
    expect(JSON.parse(String(snapshots[0]?.body))).toMatchObject({
      mode: 'adapter_loop',
      spec_name: 'gov',
    });
    const bundle = await cli(
      ['incident-bundle', '--out=bundle', '--spec=spec.kv', '--lane-path=lane'],
      { cwd, env: reporting },
    );
    expect(bundle.code).toBe(0);
    const everything = [
      r.stdout,
      r.stderr,
      bundle.stdout,
      bundle.stderr,
      ...readdirSync(join(cwd, 'bundle')).map((f) => readFileSync(join(cwd, 'bundle', f), 'utf8')),
      readFileSync(join(cwd, 'lane/snapshot.json'), 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(API_KEY);
    expect(readFileSync(join(cwd, 'bundle/policy_audit.json'), 'utf8')).toContain(
      '"policy_version": 1',
    );
  });
});
