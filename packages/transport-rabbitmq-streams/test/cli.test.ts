import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboundMessage } from '@edgeplane/adapter-loop/transport';
import type { RabbitmqStreamTestServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRabbitmqStreamsTransport } from '../src/index.js';
import { broker, deleteStreams, ensureBrokerRunning, restartBroker } from './support/broker.js';

const CLI = join(import.meta.dirname, '../../../apps/edgeplane/dist/cli.js');
const SPEC =
  'v=1\nname=rmq\nsingle_ring.stages.0.id=forward\nsingle_ring.stages.0.stage=identity\n';

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Adapter {
  readonly role: string;
  readonly connection_state: string;
  readonly recent_failures: number;
  readonly last_error: string | null;
}

interface Snapshot {
  readonly egress_messages: number;
  readonly adapters: readonly Adapter[];
}

/** Spawns the built CLI; `exited` resolves with its output. */
function start(args: string[], cwd: string): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

const run = (args: string[], cwd: string) => start(args, cwd).exited;

function snapshot(lane: string): Snapshot | undefined {
  try {
    return JSON.parse(readFileSync(join(lane, 'snapshot.json'), 'utf8')) as Snapshot;
  } catch {
    return undefined;
  }
}

async function until<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('edgeplane run with rabbitmq-streams (the built CLI, the real broker)', () => {
  let server: RabbitmqStreamTestServer;
  let dir: string;
  const streams = new Set<string>();
  const stream = () => {
    const name = `ep-rmq-cli-${randomBytes(4).toString('hex')}`;
    streams.add(name);
    return name;
  };
  const side = (role: 'ingress' | 'egress', s: string, extra: Record<string, string | number>) =>
    [
      `${role}.transport=rabbitmq-streams`,
      `${role}.url=${server.url}`,
      `${role}.stream=${s}`,
      ...Object.entries(extra).map(([k, v]) => `${role}.${k}=${v}`),
    ].join('\n');
  const config = (name: string, lines: string[]) => {
    writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
    return `--config=${join(dir, name)}`;
  };
  const spec = () => `--spec=${join(dir, 'spec.kv')}`;
  /** Publishes `messages` into `s` through the transport (batches of 5000). */
  const publish = async (s: string, messages: readonly OutboundMessage[]) => {
    const sink = createRabbitmqStreamsTransport({ url: server.url, stream: s });
    for (let i = 0; i < messages.length; i += 5000) {
      const result = await sink.send(messages.slice(i, i + 5000));
      if (result.status !== 'ok') {
        throw result.status === 'partial' ? result.rejected[0]?.error : result.error;
      }
    }
    await sink.close();
  };

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error(`${CLI} is missing: build the CLI first (cd apps/edgeplane && npx tsup)`);
    server = await broker();
    dir = mkdtempSync(join(tmpdir(), 'ep-rmq-cli-'));
    writeFileSync(join(dir, 'spec.kv'), SPEC);
  });
  afterAll(async () => {
    await ensureBrokerRunning(server);
    await deleteStreams(server, streams);
    rmSync(dir, { recursive: true, force: true });
  });

  // 2000 lines, CRLF endings, an unterminated last line; a few empty, unicode, tab and inner-CR
  // lines. The file source yields each line without its terminator; the file sink adds LF.
  const lines = Array.from({ length: 2000 }, (_, i) =>
    i % 500 === 7 ? '' : `${i} ${i % 3 ? 'ünïcødé\tcolumns' : 'inner\rcr'} ${'x'.repeat(i % 90)}`,
  );
  const expected = `${lines.join('\n')}\n`;
  let moved: string;

  it('file → rabbitmq-streams, then rabbitmq-streams → file: 2000 lines intact, in order', async () => {
    moved = stream();
    writeFileSync(join(dir, 'in.log'), lines.join('\r\n'));
    const toStream = await run(
      [
        'run',
        spec(),
        config('to-stream.kv', [
          `ingress.transport=file\ningress.path=${join(dir, 'in.log')}`,
          side('egress', moved, { publisherRef: 'cli-writer' }),
        ]),
        `--lane-path=${join(dir, 'lane-to-stream')}`,
        '--json',
      ],
      dir,
    );
    expect(toStream.code, toStream.stderr).toBe(0);
    expect(JSON.parse(toStream.stdout)).toMatchObject({
      reason: 'end-of-input',
      egressMessages: 2000,
    });
    const fromStream = await run(
      [
        'run',
        spec(),
        config('from-stream.kv', [
          side('ingress', moved, { consumerName: 'cli-reader' }),
          `egress.transport=file\negress.path=${join(dir, 'out.log')}`,
        ]),
        `--lane-path=${join(dir, 'lane-from-stream')}`,
        '--adapter-max-messages=2000',
        '--json',
      ],
      dir,
    );
    expect(fromStream.code, fromStream.stderr).toBe(0);
    expect(JSON.parse(fromStream.stdout)).toMatchObject({
      reason: 'max-messages',
      ackedMessages: 2000,
    });
    expect(readFileSync(join(dir, 'out.log'), 'utf8') === expected).toBe(true);
  }, 60_000);

  it('--adapter-max-messages=500 four times moves all 2000 once each, in order', async () => {
    const out = join(dir, 'bounded.log');
    const cfg = config('bounded.kv', [
      side('ingress', moved, { consumerName: 'cli-bounded' }),
      `egress.transport=file\negress.path=${out}`,
    ]);
    for (let i = 1; i <= 4; i++) {
      const r = await run(
        [
          'run',
          spec(),
          cfg,
          `--lane-path=${join(dir, 'lane-bounded')}`,
          '--adapter-max-messages=500',
          '--json',
        ],
        dir,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ egressMessages: 500, ackedMessages: 500 });
      expect(readFileSync(out, 'utf8').split('\n').length - 1).toBe(i * 500);
    }
    expect(readFileSync(out, 'utf8') === expected).toBe(true);
  }, 60_000);

  it('kill -9 mid-run, restart: every message at least once, duplicates within one egress batch', async () => {
    const total = 150_000;
    const window = 256;
    const killed = stream();
    const bodies = Array.from({ length: total }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
    await publish(
      killed,
      bodies.map((b) => ({ body: Buffer.from(b) })),
    );
    const out = join(dir, 'killed.log');
    const lane = join(dir, 'lane-killed');
    const args = [
      'run',
      spec(),
      config('killed.kv', [
        side('ingress', killed, { consumerName: 'cli-killed' }),
        `egress.transport=file\negress.path=${out}\negress.fsync=batch`,
        `loop.batchMaxMessages=${window}\nloop.snapshotIntervalMs=50`,
      ]),
      `--lane-path=${lane}`,
    ];
    const first = start(args, dir);
    await until(
      '20 000 messages moved',
      () => (snapshot(lane)?.egress_messages ?? 0) >= 20_000,
      30_000,
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const movedBeforeKill = readFileSync(out, 'utf8').split('\n').length - 1;
    expect(movedBeforeKill).toBeLessThan(total);
    const second = start(args, dir);
    const lineCount = () => readFileSync(out, 'utf8').split('\n').length - 1;
    await until(
      'every record written',
      () =>
        lineCount() >= total && new Set(readFileSync(out, 'utf8').split('\n')).size - 1 >= total,
      60_000,
    );
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(143);
    const written = readFileSync(out, 'utf8').split('\n').slice(0, -1);
    const seen = new Set(written);
    for (const b of bodies) if (!seen.has(b)) throw new Error(`lost: ${b}`);
    const duplicates = written.length - total;
    console.log(
      `kill -9 at ${movedBeforeKill} of ${total}: ${written.length} lines written after the restart, ${duplicates} duplicates (window: one egress batch of ${window})`,
    );
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
  }, 120_000);

  it('the broker restarted mid-run: reconnecting → ready on both sides, nothing lost', async () => {
    const total = 30_000;
    const from = stream();
    const to = stream();
    const lane = join(dir, 'lane-restart');
    const reconnect = { reconnectMinDelayMs: 100, reconnectMaxDelayMs: 1000 };
    const cli = start(
      [
        'run',
        spec(),
        config('restart.kv', [
          side('ingress', from, { consumerName: 'cli-restart', ...reconnect }),
          side('egress', to, { publisherRef: 'cli-restart', ...reconnect }),
          'loop.batchMaxMessages=500\nloop.snapshotIntervalMs=50\nloop.maxRetries=30\nloop.retryMaxDelayMs=1000',
        ]),
        `--lane-path=${lane}`,
        `--adapter-max-messages=${total}`,
        '--json',
      ],
      dir,
    );
    // A producer publishing 500 messages every 250 ms (about 15 s in all, so the run is still
    // moving data when the broker goes down), riding out the restart itself (its publisher
    // reference makes its own retries safe).
    const producer = createRabbitmqStreamsTransport({
      url: server.url,
      stream: from,
      publisherRef: 'test-producer',
      ...reconnect,
    });
    const producing = (async () => {
      for (let i = 0; i < total; ) {
        const batch = Array.from({ length: 500 }, (_, k) => ({
          body: Buffer.from(`event ${i + k}`),
        }));
        const result = await producer.send(batch);
        if (result.status === 'ok') i += 500;
        else if (result.status === 'failed') throw result.error;
        else if (result.status === 'partial') throw result.rejected[0]?.error;
        await sleep(result.status === 'ok' ? 250 : Math.max(100, result.retryAfterMs ?? 0));
      }
    })();
    const states = { ingress: [] as string[], egress: [] as string[] };
    const errors: string[] = [];
    let restarted: { downAt: number; upAt: number } | undefined;
    let readyAgainAt: number | undefined;
    const watching = (async () => {
      while (cli.child.exitCode === null) {
        const snap = snapshot(lane);
        for (const a of snap?.adapters ?? []) {
          if (a.last_error) errors.push(a.last_error);
          const list = states[a.role as 'ingress' | 'egress'];
          if (list && list.at(-1) !== a.connection_state) list.push(a.connection_state);
        }
        if (
          restarted &&
          !readyAgainAt &&
          snap?.adapters.every((a) => a.connection_state === 'ready') &&
          states.ingress.includes('reconnecting')
        )
          readyAgainAt = Date.now();
        await sleep(25);
      }
    })();
    await until(
      '2000 messages moved',
      () => (snapshot(lane)?.egress_messages ?? 0) >= 2000,
      30_000,
    );
    try {
      restarted = await restartBroker(server);
    } finally {
      await ensureBrokerRunning(server);
    }
    await producing;
    await producer.close();
    const exit = await cli.exited;
    await watching;
    expect(exit.code, exit.stderr).toBe(0);
    const result = JSON.parse(exit.stdout) as { egressMessages: number; snapshot: Snapshot };
    expect(result.egressMessages).toBe(total);
    for (const role of ['ingress', 'egress'] as const) {
      const s = states[role];
      expect(s.indexOf('reconnecting'), `${role} states: ${s.join(' → ')}`).toBeGreaterThan(-1);
      expect(s.lastIndexOf('ready'), `${role} states: ${s.join(' → ')}`).toBeGreaterThan(
        s.indexOf('reconnecting'),
      );
    }
    for (const a of result.snapshot.adapters) {
      expect(a.recent_failures).toBeGreaterThan(0);
      // recovered: the incident is closed, so the last error is cleared
      expect(a.last_error).toBeNull();
    }
    expect(errors.length, 'the errors of the outage were in the live snapshot').toBeGreaterThan(0);
    for (const e of errors)
      expect(e).not.toContain(server.password === 'guest' ? 'guest:guest' : server.password);
    const copied = await readAll(to, total);
    const distinct = new Set(copied);
    for (let i = 0; i < total; i++)
      if (!distinct.has(`event ${i}`)) throw new Error(`lost: event ${i}`);
    const { downAt = 0, upAt = 0 } = restarted ?? {};
    console.log(
      `broker restart: down ${upAt - downAt} ms; both adapters ready ${readyAgainAt ? readyAgainAt - upAt : 'n/a'} ms after the port answered; ` +
        `ingress ${states.ingress.join(' → ')}; egress ${states.egress.join(' → ')}; ${copied.length} copied for ${total} (${copied.length - total} duplicates)`,
    );
  }, 180_000);

  /** Every body of `s` (and nothing more within 1 s), read by a fresh consumer. */
  async function readAll(s: string, expected: number): Promise<string[]> {
    const reader = createRabbitmqStreamsTransport({
      url: server.url,
      stream: s,
      consumerName: 'verify',
    });
    const got: string[] = [];
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 30_000);
    for await (const batch of reader.receive({ signal: stop.signal })) {
      for (const m of batch.messages) got.push(Buffer.from(m.body).toString());
      if (got.length >= expected) {
        clearTimeout(timer);
        setTimeout(() => stop.abort(), 1000);
      }
    }
    clearTimeout(timer);
    await reader.close();
    return got;
  }
});
