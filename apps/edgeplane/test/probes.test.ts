import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const p = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return p;
}

/** A private redis-server (no persistence) on `port`; resolves once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.includes(
        'PONG',
      )
    )
      return child;
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start`);
}

const stopRedis = (child: ChildProcess): Promise<unknown> =>
  new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGKILL');
  });

interface Probe {
  status: number;
  body: { reason: string; [k: string]: unknown };
}
const probe = async (url: string): Promise<Probe> => {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Probe['body'] };
};

async function until(
  url: string,
  ok: (p: Probe) => boolean,
  timeoutMs: number,
): Promise<Probe & { ms: number }> {
  const t0 = Date.now();
  let last: Probe | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await probe(url).catch(() => undefined);
    if (last && ok(last)) return { ...last, ms: Date.now() - t0 };
    await sleep(100);
  }
  throw new Error(`${url}: condition not met in ${timeoutMs} ms; last ${JSON.stringify(last)}`);
}

/**
 * file (follow) → redis-streams egress on a private Redis, `--ops-listen`, a 1.5 s failure window.
 * Redis goes away mid-run, then comes back. Returns what the probes said when.
 */
async function downAndBack(afterBack: (ops: string) => Promise<void>) {
  const redisPort = await freePort();
  const opsPort = await freePort();
  let redis = await startRedis(redisPort);
  const config =
    'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\ningress.follow=true\ningress.pollMs=20\n' +
    `egress.transport=redis-streams\negress.url=redis://127.0.0.1:${redisPort}\negress.stream=probes\n` +
    'loop.healthFailureWindowMs=1500\nloop.snapshotIntervalMs=100\n';
  const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': '' });
  const run = spawn(
    process.execPath,
    [CLI, 'run', '--spec=spec.kv', '--lane-path=lane', `--ops-listen=127.0.0.1:${opsPort}`],
    { cwd, stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
  const ops = `http://127.0.0.1:${opsPort}`;
  try {
    await until(`${ops}/readyz`, (p) => p.status === 200, 20_000);
    appendFileSync(join(cwd, 'in.log'), 'one\n');
    expect((await until(`${ops}/healthz`, (p) => p.status === 200, 5_000)).status).toBe(200);

    await stopRedis(redis);
    appendFileSync(join(cwd, 'in.log'), 'two\n');
    const notReady = await until(`${ops}/readyz`, (p) => p.status === 503, 5_000);
    expect(notReady.body.reason).toMatch(
      /^not ready: redis-streams-egress is reconnecting since \S+Z$/,
    );
    const unhealthy = await until(
      `${ops}/healthz`,
      (p) => p.status === 503 && p.body.reason.includes('without recovering'),
      1_500 + 4_000,
    );
    expect(unhealthy.body.reason).toMatch(
      /^redis-streams-egress has been failing since \S+Z \([\d.]+ s, window 1\.5 s\) without recovering: /,
    );

    redis = await startRedis(redisPort);
    await until(`${ops}/readyz`, (p) => p.status === 200, 10_000);
    await afterBack(ops);
  } finally {
    run.kill('SIGTERM');
    expect(await exited).toBe(143);
    await stopRedis(redis);
  }
}

describe('probes of a real run whose Redis egress goes away and comes back', () => {
  it('/readyz 503 while reconnecting (since when), /healthz 503 once the incident outlives loop.healthFailureWindowMs; both 200 within 3 s of the egress delivering again', async () => {
    await downAndBack(async (ops) => {
      await until(`${ops}/healthz`, (p) => p.status === 200, 3_000);
    });
  }, 90_000);
});
