import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { connect, StringCodec } from 'nats';
import { createNatsTransport } from '../src/index.js';

/** Deletes JetStream streams (missing ones are fine): JetStream keeps them in the server's store. */
export async function deleteStreams(url: string, names: Iterable<string>): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of names) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Publishes `bodies` to `subject` of `stream` (created if missing), in batches of 1000. */
export async function seed(
  url: string,
  stream: string,
  subject: string,
  bodies: readonly string[],
): Promise<void> {
  const sink = createNatsTransport({ servers: url, stream, subject, createStream: true });
  await sink.open({ role: 'egress' });
  const sc = StringCodec();
  try {
    for (let i = 0; i < bodies.length; i += 1000) {
      const batch = bodies
        .slice(i, i + 1000)
        .map((b, j) => ({ id: `seed@${i + j}`, body: sc.encode(b) }));
      const r = await sink.send(batch);
      if (r.status !== 'ok') throw r.status === 'partial' ? r.rejected[0]?.error : r.error;
    }
  } finally {
    await sink.close();
  }
}

/** Every message body of a stream, in stream order (an ordered consumer). */
export async function readStream(url: string, stream: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const total = (await jsm.streams.info(stream)).state.messages;
    const out: string[] = [];
    if (total === 0) return out;
    const consumer = await nc.jetstream().consumers.get(stream);
    const sc = StringCodec();
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      out.push(sc.decode(m.data));
      if (out.length >= total) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

export const SPEC =
  'v=1\nname=t\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';

const CLI = join(import.meta.dirname, '../../../apps/edgeplane/dist/cli.js');

const workdirs: string[] = [];

/** Removes the temp dirs `workdir()` made. */
export function removeWorkdirs(): void {
  for (const dir of workdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-nats-cli-'));
  workdirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Runs the built CLI to its end. */
export function cli(
  args: string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the built CLI in the background. */
export function start(args: string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Exit code (or -1 for a signal) of a child. */
export function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(-1);
  return new Promise((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : 0))));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One adapter of a snapshot document. */
export interface AdapterDoc {
  readonly role: string;
  readonly connection_state: string;
  readonly message_count: number;
  readonly recent_failures: number;
  readonly last_error: string | null;
  readonly cause: string | null;
  readonly lag: number | null;
}

/** A snapshot document (reference decision 3). */
export interface SnapshotDoc {
  readonly status: string;
  readonly state: string;
  readonly egress_messages: number;
  readonly adapters: readonly AdapterDoc[];
}

/** The live snapshot of a run in `cwd` (lane path `lane`), or undefined before it exists. */
export function snapshot(cwd: string, lane = 'lane'): SnapshotDoc | undefined {
  const r = cli(['snapshot', '--spec=spec.kv', `--lane-path=${lane}`, '--json'], cwd);
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as SnapshotDoc;
  } catch {
    return undefined;
  }
}

/** Polls the snapshot until `ok`, or throws with the last one seen. */
export async function snapshotUntil(
  cwd: string,
  ok: (d: SnapshotDoc) => boolean,
  timeoutMs = 30_000,
  lane = 'lane',
): Promise<SnapshotDoc> {
  const until = Date.now() + timeoutMs;
  let last: SnapshotDoc | undefined;
  while (Date.now() < until) {
    last = snapshot(cwd, lane);
    if (last && ok(last)) return last;
    await sleep(50);
  }
  throw new Error(`snapshot condition not met; last: ${JSON.stringify(last)}`);
}

/** A private nats-server (same binary as the machine's) on a free port, with its own store. */
export interface PrivateNats {
  readonly url: string;
  /** Stops it (SIGTERM, wait), keeping the store. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes the store. */
  dispose(): Promise<void>;
}

const NATS_SERVER = process.env.EDGEPLANE_NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** Starts a private nats-server with JetStream: the server-restart test must not bounce 4222. */
export async function privateNats(extraArgs: readonly string[] = []): Promise<PrivateNats> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'ep-nats-store-'));
  let child: ChildProcess | undefined;
  const startIt = async () => {
    child = spawn(
      NATS_SERVER,
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, ...extraArgs],
      {
        stdio: 'ignore',
      },
    );
    await waitForTcp('127.0.0.1', port, 10_000);
  };
  const stopIt = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const done = exited(c);
    c.kill('SIGTERM');
    await done;
  };
  await startIt();
  return {
    url: `nats://127.0.0.1:${port}`,
    start: startIt,
    stop: stopIt,
    dispose: async () => {
      await stopIt();
      rmSync(store, { recursive: true, force: true });
    },
  };
}
