import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InboundBatch, Transport } from '@edgeplane/adapter-loop/transport';
import { freePort, type PrivateServer } from '@edgeplane/test-servers';
import { expect, it } from 'vitest';

/** A fault case: real servers stopped, hung and restarted take longer than a unit test. */
const CASE_TIMEOUT_MS = 150_000;
const fault = (name: string, fn: () => Promise<void>): void => {
  it(name, fn, CASE_TIMEOUT_MS);
};

import { workdir } from '../helpers.js';
import { CliProcess, sleep, startFeeder } from './process.js';

/**
 * One broker transport under fault injection: a private server of its own, how to point the
 * CLI at it, how to read back what was written and how to make it refuse the run's credentials.
 */
export interface FaultTarget {
  /** Transport name in the adapter config, e.g. `redis-streams`. */
  readonly transport: string;
  readonly server: PrivateServer;
  /** Options of the egress (`egress.<name>=<value>`) writing to namespace `ns`. */
  sinkOptions(ns: string): Readonly<Record<string, string>>;
  /** A source reading namespace `ns` from its beginning, for the loss check. */
  reader(ns: string): Transport;
  /** Restarts the server so that it refuses the credentials the run uses. */
  refuseCredentials(): Promise<void>;
  /** Restarts it accepting them again. */
  restoreCredentials(): Promise<void>;
  /** The server's own words for a refused credential, e.g. `/NOAUTH|WRONGPASS/`. */
  readonly authMessage: RegExp;
  /** Options of the ingress (`ingress.<name>=<value>`) reading namespace `ns` through a group. */
  sourceOptions?(ns: string): Readonly<Record<string, string>>;
  /** Deletes the server-side state the ingress relies on (consumer group, durable, topic...). */
  deleteSourceState?(ns: string): Promise<void>;
}

/** At-least-once window of these runs: ring capacity + two egress batches (docs/guide/2). */
export const CAPACITY = 64;
export const BATCH = 32;
export const DUPLICATE_WINDOW: number = CAPACITY + 2 * BATCH;

const SPEC = `v=1\nname=faults\nmodel=single_ring\nsingle_ring.capacity=${CAPACITY}\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n`;

let seq = 0;
const ns = (t: FaultTarget) => `ep-fault-${t.transport}-${process.pid}-${Date.now()}-${seq++}`;

function config(target: FaultTarget, name: string, follow: boolean, extra = ''): string {
  const egress = Object.entries(target.sinkOptions(name))
    .map(([k, v]) => `egress.${k}=${v}`)
    .join('\n');
  return [
    'ingress.transport=file',
    'ingress.path=${EDGEPLANE_CONFIG_DIR}/in.log',
    `ingress.follow=${follow}`,
    `egress.transport=${target.transport}`,
    egress,
    `loop.batchMaxMessages=${BATCH}`,
    'loop.stallAfterMs=1500',
    'loop.healthFailureWindowMs=5000',
    'loop.maxRetries=40',
    'loop.retryMaxDelayMs=1000',
    extra,
  ].join('\n');
}

async function setUp(target: FaultTarget, follow: boolean, input = '', extra = '') {
  const name = ns(target);
  const dir = workdir({
    'spec.kv': SPEC,
    'adapters.kv': config(target, name, follow, extra),
    'in.log': input,
  });
  return { name, dir, port: await freePort() };
}

/** Reads every body of `ns` until nothing new came for `idleMs`. */
async function readAll(target: FaultTarget, name: string, idleMs = 3000): Promise<string[]> {
  const source = target.reader(name);
  await source.open();
  const bodies: string[] = [];
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), idleMs * 3);
  try {
    for await (const batch of source.receive?.({ signal: abort.signal }) ??
      ([] as InboundBatch[])) {
      for (const m of batch.messages) bodies.push(Buffer.from(m.body).toString());
      await batch.ack();
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), idleMs);
    }
  } finally {
    clearTimeout(timer);
    await source.close();
  }
  return bodies;
}

/** Nothing lost, duplicates within the window. */
async function expectAllOnce(target: FaultTarget, name: string, written: readonly string[]) {
  const got = await readAll(target, name);
  const seen = new Set(got);
  const missing = written.filter((w) => !seen.has(w));
  expect(missing.slice(0, 5), `${missing.length} of ${written.length} lines lost`).toEqual([]);
  const duplicates = got.length - seen.size;
  expect(duplicates, 'duplicates beyond the at-least-once window').toBeLessThanOrEqual(
    DUPLICATE_WINDOW,
  );
  return { got: got.length, duplicates };
}

/** One row of docs/guide/6.operations.md "What each failure looks like", from a real run. */
interface Observation {
  readonly transport: string;
  readonly fault: string;
  readonly state: string;
  readonly lastError: string;
  readonly healthz: number | string;
  readonly readyz: number | string;
  readonly exit: number | string;
}

/** Appends an observation to `$EDGEPLANE_FAULT_TABLE` (JSON lines) when it is set. */
function record(row: Observation): void {
  const file = process.env.EDGEPLANE_FAULT_TABLE;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** What the egress and the probes show now (the live snapshot from the ops listener). */
async function look(run: CliProcess) {
  const live = (await run.live())?.adapters.find((a) => a.role === 'egress');
  const e = live ?? egress(run);
  return {
    state: e?.connection_state ?? '—',
    lastError: e?.last_error ?? '—',
    healthz: (await run.probe('/healthz')).status,
    readyz: (await run.probe('/readyz')).status,
  };
}

const look0 = { state: '—', lastError: '—', healthz: '—', readyz: '—' };
const ready = (p: CliProcess) => async () => (await p.probe('/readyz')).status === 200;
const egress = (p: CliProcess) => p.snapshot()?.adapters.find((a) => a.role === 'egress');

/** Writes `bodies` into namespace `ns` through the transport's own sink. */
async function seed(target: FaultTarget, name: string, bodies: readonly string[]): Promise<void> {
  const { createTransport } = await import('./seed.js');
  const sink = createTransport(target.transport, target.sinkOptions(name));
  await sink.open();
  try {
    for (let i = 0; i < bodies.length; i += 100) {
      const r = await sink.send?.(bodies.slice(i, i + 100).map((b) => ({ body: Buffer.from(b) })));
      expect(r?.status).toBe('ok');
    }
  } finally {
    await sink.close();
  }
}

/**
 * Registers the source-side fault case (X → file): the server-side state the ingress relies on
 * deleted mid-run is never a silent replay from the beginning — an error naming it, or a
 * recovery that resumes after the last acknowledged position (duplicates within the window).
 */
export function sourceFaultCases(target: () => FaultTarget): void {
  fault('the consumer state deleted mid-run: no silent replay from the beginning', async () => {
    const t = target();
    if (!t.sourceOptions || !t.deleteSourceState) throw new Error('target lacks source options');
    const name = ns(t);
    const ingress = Object.entries(t.sourceOptions(name)).map(([k, v]) => `ingress.${k}=${v}`);
    const adapters = [
      `ingress.transport=${t.transport}`,
      ...ingress,
      'egress.transport=file',
      'egress.path=${EDGEPLANE_CONFIG_DIR}/out.log',
      `loop.batchMaxMessages=${BATCH}`,
    ].join('\n');
    const dir = workdir({ 'spec.kv': SPEC, 'adapters.kv': adapters, 'out.log': '' });
    const first = Array.from({ length: 300 }, (_, i) => `before ${i}`);
    const then = Array.from({ length: 300 }, (_, i) => `after ${i}`);
    await seed(t, name, first);
    const run = new CliProcess(dir, await freePort(), []);
    const out = () => readFileSync(join(dir, 'out.log'), 'utf8').split('\n').filter(Boolean);
    await run.until('the first 300 moved', () => out().length >= 300, 30_000);
    await sleep(500);
    await t.deleteSourceState(name);
    let ended = false;
    void run.exit.then(() => {
      ended = true;
    });
    // Let the run notice before anything is written again (a write may recreate what was deleted).
    const noticed = /not-found|not found|deleted|recreat|disappeared|NOGROUP/i;
    await run.until(
      'the run noticed the deletion',
      () => ended || noticed.test(run.stderr),
      30_000,
    );
    if (!ended) await seed(t, name, then);
    await run.until(
      'the run went on (600 lines) or ended',
      () => ended || new Set(out()).size >= 600,
      30_000,
    );
    if (!ended) {
      // a recovery: everything after arrives, and what came before is not read again
      run.signal('SIGTERM');
      expect((await run.exited(20_000)).code).toBe(143);
      expect(run.stderr, 'the recovery is logged').toMatch(
        /not-found|recreat|deleted|disappeared/i,
      );
    } else {
      // an error: it names what disappeared, with exit 1 or 2
      expect([1, 2]).toContain((await run.exit).code);
      expect(run.stderr).toMatch(/not found|deleted|does not exist|NOGROUP|unknown/i);
    }
    const lines = out();
    const replayed = lines.length - new Set(lines).size;
    expect(
      replayed,
      'lines delivered twice (a replay from the beginning is 300)',
    ).toBeLessThanOrEqual(BATCH);
  });
}

/**
 * Registers the shared fault cases for one broker transport as egress (file → X): hung server,
 * down and back, credentials refused mid-run, SIGTERM while opening, kill -9. Each asserts
 * nothing lost, duplicates within the window, the exit code, the snapshot and the probes.
 */
export function faultCases(target: () => FaultTarget): void {
  fault(
    'a hung server: the egress is stalled (readiness and health 503), ready again once it answers; nothing lost',
    async () => {
      const t = target();
      const { name, dir, port } = await setUp(t, true);
      const feeder = startFeeder(join(dir, 'in.log'), 'hung');
      const run = new CliProcess(dir, port, []);
      let hung: Awaited<ReturnType<typeof look>> | undefined;
      try {
        await run.until('ready after start', ready(run), 30_000);
        await sleep(500);
        t.server.pause();
        const detected = await run.until(
          'egress stalled while the server is stopped',
          async () =>
            egress(run)?.connection_state === 'stalled' &&
            (await run.probe('/readyz')).status === 503,
          1500 + 6000,
        );
        expect(detected).toBeLessThan(7500);
        const e = egress(run);
        expect(e?.stalled_since).toBeTruthy();
        expect(e?.last_error).toMatch(
          /outstanding since .* with no answer within loop\.stallAfterMs \(1500 ms\)/,
        );
        expect((await run.probe('/healthz')).status).toBe(503);
        hung = await look(run);
        t.server.resume();
        const back = await run.until('ready again after the server resumed', ready(run), 20_000);
        expect(back).toBeLessThan(20_000);
        await run.until(
          'health back after recovery',
          async () => (await run.probe('/healthz')).status === 200,
          10_000,
        );
      } finally {
        t.server.resume();
      }
      const written = feeder.stop();
      await run.until(
        'the run caught up',
        () => (run.snapshot()?.adapters[0]?.message_count ?? 0) >= written.length,
        30_000,
      );
      run.signal('SIGTERM');
      expect((await run.exited(20_000)).code).toBe(143);
      await expectAllOnce(t, name, written);
      record({
        transport: t.transport,
        fault: 'server hung (SIGSTOP), egress',
        ...(hung ?? look0),
        exit: 'runs on',
      });
    },
  );

  fault(
    'SIGTERM while a send hangs (server hung mid-run): the run ends within loop.shutdownTimeoutMs and its 2 s grace; the rerun loses nothing',
    async () => {
      const t = target();
      const { name, dir, port } = await setUp(t, true, '', 'loop.shutdownTimeoutMs=1500');
      const feeder = startFeeder(join(dir, 'in.log'), 'term');
      const run = new CliProcess(dir, port, []);
      try {
        await run.until('ready after start', ready(run), 30_000);
        await sleep(500);
        t.server.pause();
        await run.until(
          'egress stalled',
          async () => egress(run)?.connection_state === 'stalled',
          10_000,
        );
        run.signal('SIGTERM');
        const { code, ms } = await run.exited(30_000);
        // Before: the drain waited for the client's own command timeout (61.5 s for Redis).
        expect(ms, run.stderr).toBeLessThan(1500 + 2000 + 3000);
        expect(code, run.stderr).not.toBe(0);
        expect(run.snapshot()?.stop_reason).toBe('shutdown-timeout');
        expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      } finally {
        t.server.resume();
      }
      const written = feeder.stop();
      // The rerun reads to the end of the input (no follow) from the checkpoint the first left.
      const kv = join(dir, 'adapters.kv');
      writeFileSync(
        kv,
        readFileSync(kv, 'utf8').replace('ingress.follow=true', 'ingress.follow=false'),
      );
      const rerun = new CliProcess(dir, await freePort(), []);
      expect((await rerun.exited(60_000)).code, rerun.stderr).toBe(0);
      await expectAllOnce(t, name, written);
    },
  );

  fault('the server down and back: not ready while down, ready after; nothing lost', async () => {
    const t = target();
    const { name, dir, port } = await setUp(t, true);
    const feeder = startFeeder(join(dir, 'in.log'), 'down');
    const run = new CliProcess(dir, port, []);
    let down: Awaited<ReturnType<typeof look>> | undefined;
    await run.until('ready after start', ready(run), 30_000);
    await sleep(500);
    await t.server.stop();
    try {
      await run.until(
        'not ready while the server is down',
        async () => !(await ready(run)()),
        15_000,
      );
      down = await look(run);
    } finally {
      await sleep(1000);
      await t.server.start();
    }
    await run.until('ready after the server came back', ready(run), 40_000);
    const written = feeder.stop();
    await run.until(
      'the run caught up',
      () => (run.snapshot()?.adapters[0]?.message_count ?? 0) >= written.length,
      30_000,
    );
    run.signal('SIGTERM');
    expect((await run.exited(20_000)).code).toBe(143);
    expect(
      egress(run)?.cause,
      `the incident closed on recovery: ${JSON.stringify(egress(run))}\n${run.stderr}`,
    ).toBeNull();
    await expectAllOnce(t, name, written);
    record({
      transport: t.transport,
      fault: 'server down, egress',
      ...(down ?? look0),
      exit: 'runs on',
    });
  });

  fault(
    'credentials refused mid-run: exit 2 within seconds, the server message kept as the cause',
    async () => {
      const t = target();
      const { dir, port } = await setUp(t, true);
      const feeder = startFeeder(join(dir, 'in.log'), 'auth');
      const run = new CliProcess(dir, port, []);
      try {
        await run.until('ready after start', ready(run), 30_000);
        await sleep(500);
        await t.refuseCredentials();
        const { code, ms } = await run.exited(45_000);
        expect(code).toBe(2);
        expect(ms).toBeLessThan(45_000);
        expect(run.stderr).toMatch(t.authMessage);
        expect(run.stderr).toMatch(/\nhint: /);
        const final = run.snapshot();
        expect(final?.state).toBe('failed');
        expect(final?.error).toMatch(t.authMessage);
        const e = egress(run);
        expect(`${e?.cause} ${e?.last_error}`).toMatch(t.authMessage);
        expect(e?.cause_at).toBeTruthy();
        const last = e?.last_error ?? '—';
        record({
          transport: t.transport,
          fault: 'credentials refused mid-run',
          state: e?.connection_state ?? '—',
          lastError: last,
          healthz: 'exited',
          readyz: 'exited',
          exit: code ?? '—',
        });
      } finally {
        feeder.stop();
        run.signal('SIGKILL');
        await t.restoreCredentials();
      }
    },
  );

  fault(
    'SIGTERM while the egress is still opening (server hung): exit 143 within 3 s, snapshot stopped',
    async () => {
      const t = target();
      const { dir, port } = await setUp(t, false, 'a\nb\n');
      t.server.pause(); // the connection is accepted by the kernel, and nothing answers
      try {
        const run = new CliProcess(dir, port, []);
        await run.until('the run is opening', () => run.snapshot() !== undefined, 10_000);
        await sleep(1000);
        expect(egress(run)?.connection_state).toBe('connecting');
        const opening = await look(run);
        run.signal('SIGTERM');
        const { code, ms } = await run.exited(10_000);
        expect(code, run.stderr).toBe(143);
        expect(ms).toBeLessThan(3000);
        expect(run.stderr).toContain('nothing was moved');
        expect(run.snapshot()?.state).toBe('stopped');
        expect(run.snapshot()?.ended_at).toBeTruthy();
        record({
          transport: t.transport,
          fault: 'SIGTERM while opening',
          ...opening,
          exit: code ?? '—',
        });
      } finally {
        t.server.resume();
      }
    },
  );

  fault('kill -9 mid-run: the rerun completes and nothing is lost', async () => {
    const t = target();
    const lines = Array.from({ length: 20_000 }, (_, i) => `k9 ${i}`);
    const { name, dir, port } = await setUp(t, false, `${lines.join('\n')}\n`);
    const first = new CliProcess(dir, port, []);
    await first.until('some moved', () => (first.snapshot()?.egress_messages ?? 0) >= 2000, 30_000);
    first.signal('SIGKILL');
    await first.exited(5000);
    const second = new CliProcess(dir, await freePort(), []);
    expect((await second.exited(60_000)).code).toBe(0);
    const { got } = await expectAllOnce(t, name, lines);
    expect(got).toBeGreaterThanOrEqual(lines.length);
  });
}
