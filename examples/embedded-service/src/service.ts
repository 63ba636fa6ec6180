/**
 * An embedded edgeplane service: Redis Streams → the `mask-cards` stage → a file, at-least-once.
 * SIGTERM/SIGINT drain and stop it (exit 0); a failure exits 1 with the error code.
 * A snapshot line goes to stdout every SNAPSHOT_MS, and the live one is in LANE_PATH/snapshot.json.
 */
import { createLoop, createStageResolver, type LoopSnapshot } from '@edgeplane/adapter-loop';
import { createFileTransport } from '@edgeplane/transport-file';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { maskCards } from './mask-stage.js';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(
      `error: ${name} is not set\nhint: export ${name}=... before starting the service`,
    );
    process.exit(2);
  }
  return value;
}

const brief = (s: LoopSnapshot) =>
  JSON.stringify({
    state: s.state,
    ingress: s.ingress_messages,
    egress: s.egress_messages,
    acked: s.acked_messages,
    dropped: s.dropped_messages,
  });

const loop = createLoop({
  spec: {
    name: 'payments-masked',
    capacity: 1024,
    stages: [{ id: 'mask', stage: 'mask-cards', dependsOn: [] }],
  },
  ingress: {
    name: 'payments-in',
    transport: createRedisStreamsTransport({
      url: env('REDIS_URL', 'redis://127.0.0.1:6379'),
      stream: env('STREAM'),
      group: env('GROUP', 'masker'),
      blockMs: 200,
    }),
  },
  egress: {
    name: 'masked-out',
    transport: createFileTransport({ path: env('OUT_PATH'), fsync: 'batch' }),
  },
  stages: createStageResolver({ 'mask-cards': maskCards }),
  stageSettings: { mask: { mask: env('MASK', '*') } },
  lanePath: env('LANE_PATH'),
  snapshotIntervalMs: 200,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => loop.stop());
const every = Number(env('SNAPSHOT_MS', '1000'));
const timer = setInterval(() => console.log(`snapshot ${brief(loop.snapshot())}`), every);
const result = await loop.run();
clearInterval(timer);
console.log(`stopped ${brief(result.snapshot)} reason=${result.reason}`);
if (result.state === 'failed') {
  console.error(`error: [${result.error?.code}] ${result.error?.message}`);
  if (result.error?.hint) console.error(`hint: ${result.error.hint}`);
  process.exitCode = 1;
}
