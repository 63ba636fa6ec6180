import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  deleteStreams,
  exited,
  privateNats,
  readStream,
  removeWorkdirs,
  SPEC,
  seed,
  sleep,
  snapshot,
  snapshotUntil,
  start,
  workdir,
} from './support.js';

/** `edgeplane run` with NATS on one side, driven as separate processes through the built CLI. */
let url = '';
const streams = new Set<string>();
const unique = (what: string) => {
  const name = `ep-nats-${what}-${randomBytes(4).toString('hex')}`;
  streams.add(name);
  return name;
};

beforeAll(async () => {
  url = (await natsServer()()).url;
});
afterAll(async () => {
  await deleteStreams(url, streams);
  removeWorkdirs();
});

const fileIn = 'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\n';
const fileOut = (name = 'out.log') =>
  `egress.transport=file\negress.path=\${EDGEPLANE_CONFIG_DIR}/${name}\n`;
const natsOut = (server: string, stream: string) =>
  `egress.transport=nats\negress.servers=${server}\negress.stream=${stream}\negress.subject=${stream}\negress.createStream=true\n`;
const natsIn = (server: string, stream: string, durable = 'edgeplane') =>
  `ingress.transport=nats\ningress.servers=${server}\ningress.stream=${stream}\ningress.subject=${stream}\ningress.durable=${durable}\ningress.createStream=true\ningress.createConsumer=true\ningress.ackWaitMs=2000\n`;

/** 2000 lines with CRLF endings, an unterminated last line, and some non-ASCII text. */
function crlfInput(n: number): { input: string; expected: string } {
  const lines = Array.from({ length: n }, (_, i) => `line ${i} é ${'x'.repeat(i % 40)}`);
  return { input: lines.join('\r\n'), expected: `${lines.join('\n')}\n` };
}

/** Lines of a file (without the final empty one). */
const readLines = (path: string): string[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, -1) : [];

describe('edgeplane run with nats (built CLI)', () => {
  it('file → nats, then nats → file: 2000 lines intact, in order; then 4 × --adapter-max-messages=500', async () => {
    const stream = unique('lines');
    const { input, expected } = crlfInput(2000);
    const cwd = workdir({ 'spec.kv': SPEC, 'in.log': input });
    writeFileSync(join(cwd, 'to-nats.kv'), fileIn + natsOut(url, stream));
    const toNats = cli(
      ['run', '--spec=spec.kv', '--config=to-nats.kv', '--lane-path=l1', '--json'],
      cwd,
    );
    expect(toNats.stderr).not.toMatch(/error/);
    expect(toNats.status).toBe(0);
    expect(JSON.parse(toNats.stdout).egressMessages).toBe(2000);

    writeFileSync(join(cwd, 'from-nats.kv'), natsIn(url, stream) + fileOut());
    const whole = cli(
      [
        'run',
        '--spec=spec.kv',
        '--config=from-nats.kv',
        '--lane-path=l2',
        '--adapter-max-messages=2000',
        '--json',
      ],
      cwd,
    );
    expect(whole.status).toBe(0);
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);

    writeFileSync(join(cwd, 'bounded.kv'), natsIn(url, stream, 'bounded') + fileOut('bounded.log'));
    for (let run = 1; run <= 4; run++) {
      const r = cli(
        [
          'run',
          '--spec=spec.kv',
          '--config=bounded.kv',
          '--lane-path=l3',
          '--adapter-max-messages=500',
          '--json',
        ],
        cwd,
      );
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).egressMessages).toBe(500);
      expect(readLines(join(cwd, 'bounded.log'))).toHaveLength(run * 500);
    }
    expect(readFileSync(join(cwd, 'bounded.log'), 'utf8')).toBe(expected);
  }, 90_000);

  it('SIGKILL mid-run (nats → file), restart: every message at least once, duplicates within one egress batch', async () => {
    const stream = unique('kill');
    const total = 60_000;
    const window = 256;
    const bodies = Array.from({ length: total }, (_, i) => `k-${String(i).padStart(6, '0')}`);
    await seed(url, stream, stream, bodies);
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${natsIn(url, stream)}${fileOut()}loop.batchMaxMessages=${window}\nloop.snapshotIntervalMs=50\n`,
    });
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    const before = await snapshotUntil(cwd, (d) => d.egress_messages >= 10_000, 60_000);
    first.kill('SIGKILL');
    await exited(first);
    const second = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    const out = join(cwd, 'out.log');
    const until = Date.now() + 60_000;
    while (new Set(readLines(out)).size < total && Date.now() < until) await sleep(200);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(143);
    const lines = readLines(out);
    const seen = new Set(lines);
    expect(seen.size).toBe(total);
    for (const b of bodies) expect(seen.has(b)).toBe(true);
    const duplicates = lines.length - total;
    console.log(
      `nats SIGKILL restart: killed at ${before.egress_messages} written; ${lines.length} lines for ${total} messages, ${duplicates} duplicates (window: loop.batchMaxMessages=${window})`,
    );
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
  }, 120_000);

  it('server restart mid-run (nats → nats): reconnecting, then ready again, nothing lost', async () => {
    // A private nats-server (the machine's binary) on its own port and store: restarting the
    // machine's 4222 would break every other test using it at the same time.
    const server = await privateNats();
    try {
      const total = 30_000;
      const bodies = Array.from({ length: total }, (_, i) => `r-${String(i).padStart(6, '0')}`);
      await seed(server.url, 'IN', 'IN', bodies);
      const cwd = workdir({
        'spec.kv': SPEC,
        'adapters.kv': `${natsIn(server.url, 'IN')}${natsOut(server.url, 'OUT')}loop.batchMaxMessages=256\nloop.snapshotIntervalMs=50\n`,
      });
      const run = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
      await snapshotUntil(cwd, (d) => d.egress_messages >= 3000, 60_000);
      await server.stop();
      const down = await snapshotUntil(
        cwd,
        (d) => d.adapters.every((a) => a.connection_state === 'reconnecting'),
        10_000,
      );
      await sleep(1000);
      const restartedAt = Date.now();
      await server.start();
      const ready = await snapshotUntil(
        cwd,
        (d) =>
          d.adapters.every((a) => a.connection_state === 'ready') &&
          d.egress_messages > down.egress_messages,
        60_000,
      );
      const recoveryMs = Date.now() - restartedAt;
      for (const a of ready.adapters) {
        expect(a.recent_failures, `${a.role} recent_failures`).toBeGreaterThan(0);
        // recovered: the incident is closed, so its cause and last error are cleared
        expect(a.cause, `${a.role} cause`).toBeNull();
        expect(a.last_error, `${a.role} last_error`).toBeNull();
      }
      // egress_messages counts redeliveries too: wait until OUT holds every distinct body (a
      // message held across the restart comes back after ackWaitMs), then stop the run.
      const done = await snapshotUntil(cwd, (d) => d.egress_messages >= total, 60_000);
      let got = await readStream(server.url, 'OUT');
      for (const until = Date.now() + 60_000; new Set(got).size < total && Date.now() < until; ) {
        await sleep(500);
        got = await readStream(server.url, 'OUT');
      }
      run.kill('SIGTERM');
      expect(await exited(run)).toBe(143);
      const seen = new Set(got);
      for (const b of bodies) expect(seen.has(b), b).toBe(true);
      console.log(
        `nats server restart: down at ${down.egress_messages} sent, both adapters ready and moving again ${recoveryMs} ms after the server started; ${done.egress_messages} sent by the loop, ${got.length} stored in OUT for ${total} (Nats-Msg-Id dedup), last_error: ${ready.adapters[0]?.last_error}`,
      );
      expect(seen.size).toBe(total);
    } finally {
      await server.dispose();
    }
  }, 150_000);

  it('scale-out: two runs share one durable; after SIGKILL of one the other takes its messages over', async () => {
    const stream = unique('scale');
    const total = 60_000;
    const bodies = Array.from({ length: total }, (_, i) => `s-${String(i).padStart(6, '0')}`);
    await seed(url, stream, stream, bodies);
    const config = (out: string) =>
      `${natsIn(url, stream)}${fileOut(out)}loop.batchMaxMessages=256\nloop.snapshotIntervalMs=50\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'a.kv': config('a.log'), 'b.kv': config('b.log') });
    const a = start(['run', '--spec=spec.kv', '--config=a.kv', '--lane-path=la'], cwd);
    const b = start(['run', '--spec=spec.kv', '--config=b.kv', '--lane-path=lb'], cwd);
    await snapshotUntil(cwd, (d) => d.egress_messages > 0, 60_000, 'la');
    await snapshotUntil(cwd, (d) => d.egress_messages > 0, 60_000, 'lb');
    a.kill('SIGKILL');
    await exited(a);
    const killedAt = snapshot(cwd, 'la')?.egress_messages;
    const union = () =>
      new Set([...readLines(join(cwd, 'a.log')), ...readLines(join(cwd, 'b.log'))]);
    const until = Date.now() + 60_000;
    while (union().size < total && Date.now() < until) await sleep(200);
    b.kill('SIGTERM');
    expect(await exited(b)).toBe(143);
    const aLines = readLines(join(cwd, 'a.log'));
    const bLines = readLines(join(cwd, 'b.log'));
    console.log(
      `nats scale-out: a wrote ${aLines.length} (SIGKILLed at ~${killedAt}), b wrote ${bLines.length}, ${aLines.length + bLines.length - total} duplicates for ${total}`,
    );
    expect(aLines.length).toBeGreaterThan(0);
    expect(bLines.length).toBeGreaterThan(0);
    expect(union().size).toBe(total);
  }, 120_000);
});
