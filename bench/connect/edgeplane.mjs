// edgeplane, the challenger: `edgeplane run` (the built CLI) with the spec and adapter config of
// each pair, every option at its default except where the pair needs one (paths, topics, a new
// consumer group reading from the beginning, the file source following its file like
// FileStreamSource does).
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../apps/edgeplane/dist/cli.js');
const SPEC =
  'v=1\nname=bench-connect\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';

const lines = (role, o) => Object.entries(o).map(([k, v]) => `${role}.${k}=${v}`);
const kafkaIn = ({ brokers, source, group }) => ({
  transport: 'kafka',
  brokers,
  topic: source,
  groupId: group,
  fromBeginning: true,
});

const CONFIGS = {
  'file→kafka': ({ input, topic, brokers, dir }) => [
    ...lines('ingress', {
      transport: 'file',
      path: input,
      follow: true,
      checkpointPath: join(dir, 'file-ingress.offset'),
    }),
    ...lines('egress', { transport: 'kafka', brokers, topic }),
  ],
  'kafka→file': (o) => [
    ...lines('ingress', kafkaIn(o)),
    ...lines('egress', {
      transport: 'file',
      path: o.output,
      ...(o.fsync ? { fsync: o.fsync } : {}),
    }),
  ],
  'kafka→kafka': (o) => [
    ...lines('ingress', kafkaIn(o)),
    ...lines('egress', { transport: 'kafka', brokers: o.brokers, topic: o.topic }),
  ],
};

/**
 * Writes `spec.kv` and `adapters.kv` for `pair` into `dir` and returns the argv that runs it.
 * `cpuProf`: a directory for `node --cpu-prof` profiles of the run; `nodeFlags`: more node flags;
 * `extra`: more adapter-config lines (`loop.batchMaxMessages=4096`), for experiments.
 */
export function edgeplaneArgv(pair, { dir, cpuProf, nodeFlags = [], extra = [], ...o }) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (pnpm build)`);
  writeFileSync(join(dir, 'spec.kv'), SPEC);
  writeFileSync(
    join(dir, 'adapters.kv'),
    `${[...CONFIGS[pair]({ ...o, dir }), ...extra].join('\n')}\n`,
  );
  return [
    process.execPath,
    ...nodeFlags,
    ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []),
    CLI,
    'run',
    `--spec=${join(dir, 'spec.kv')}`,
    `--config=${join(dir, 'adapters.kv')}`,
    `--lane-path=${join(dir, 'lane')}`,
  ];
}
