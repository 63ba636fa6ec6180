import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, SPEC, workdir } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string): { child: ChildProcess; ended: Promise<Ended> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  let signalledAt = 0;
  const kill = child.kill.bind(child);
  child.kill = (s?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return kill(s);
  };
  const ended = new Promise<Ended>((resolve) =>
    child.once('close', (code, signal) =>
      resolve({ code, signal, ms: Date.now() - signalledAt, stdout, stderr }),
    ),
  );
  return { child, ended };
}

// A "Redis" that accepts connections and never answers: the egress stays in open() (handshake).
let silent: Server;
let port = 0;
const sockets: Socket[] = [];
beforeAll(async () => {
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  port = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

const hangingEgress = () =>
  'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\n' +
  `egress.transport=redis-streams\negress.url=redis://127.0.0.1:${port}\negress.stream=ep-signal-test\n` +
  'egress.connectTimeoutMs=60000\n';

async function opsAnswers(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await fetch(`${url}/readyz`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await sleep(50);
  }
  throw new Error('ops listener never answered');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const p = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return p;
}

/** Starts a run whose egress hangs in open(), waits until it is opening, signals it. */
async function signalWhileOpening(signal: 'SIGTERM' | 'SIGINT') {
  const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': hangingEgress(), 'in.log': 'a\nb\n' });
  const ops = await freePort();
  const run = start(
    ['run', '--spec=spec.kv', '--lane-path=lane', `--ops-listen=127.0.0.1:${ops}`],
    cwd,
  );
  await opsAnswers(`http://127.0.0.1:${ops}`);
  await sleep(1000); // the egress is connecting to the silent server by now
  const ready = (await fetch(`http://127.0.0.1:${ops}/readyz`).then((r) => r.json())) as {
    reason: string;
  };
  expect(ready.reason).toContain('redis-streams-egress is connecting');
  run.child.kill(signal);
  return { cwd, ended: await run.ended };
}

describe('signals (exit codes 130/143)', () => {
  it('SIGTERM while a transport is still opening: exit 143 within 3 s, nothing moved, final snapshot stopped by request', async () => {
    const { cwd, ended } = await signalWhileOpening('SIGTERM');
    expect(ended.code).toBe(143);
    expect(ended.ms).toBeLessThan(3000);
    expect(ended.stderr).toContain(
      'stopped by SIGTERM while opening the transports; nothing was moved',
    );
    expect(ended.stderr).not.toMatch(/^error:/m);
    const doc = JSON.parse(readFileSync(join(cwd, 'lane/snapshot.json'), 'utf8'));
    expect(doc).toMatchObject({
      state: 'stopped',
      stop_reason: 'stopped',
      error: null,
      egress_messages: 0,
      acked_messages: 0,
    });
    expect(doc.ended_at).not.toBeNull();
  }, 60_000);

  it('SIGINT while opening: exit 130', async () => {
    const { ended } = await signalWhileOpening('SIGINT');
    expect(ended.code).toBe(130);
    expect(ended.ms).toBeLessThan(3000);
    expect(ended.stderr).toContain('stopped by SIGINT while opening the transports');
  }, 60_000);

  it('a signal while run is still starting (config and transports loaded, no loop yet) prints one line and exits 143', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': hangingEgress(), 'in.log': 'a\n' });
    const run = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    // the lane directory is created once the deployment is loaded, just before the loop is built
    while (!existsSync(join(cwd, 'lane'))) await sleep(2);
    run.child.kill('SIGTERM');
    const ended = await run.ended;
    expect([ended.code, ended.signal]).toEqual([143, null]);
    expect(ended.ms).toBeLessThan(3000);
    expect(ended.stderr).toMatch(
      /^stopped by SIGTERM (before the loop started|while opening the transports); nothing was moved\n$/,
    );
  }, 60_000);

  it('in process: a signal before the loop starts ends the run with 130 and opens nothing', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': hangingEgress(), 'in.log': 'a\n' });
    const before = sockets.length;
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], {
      cwd,
      signal: (fire) => fire('SIGINT'),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('stopped by SIGINT before the loop started; nothing was moved\n');
    expect(existsSync(join(cwd, 'lane/snapshot.json'))).toBe(false);
    expect(sockets.length).toBe(before);
  });
});
