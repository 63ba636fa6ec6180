// The benches `pnpm bench` (run-all.mjs) runs, in this order: the script bench/<name>.mjs, its
// arguments for a full run and for --quick, files it needs, and for a bench that records no
// result through lib/results.mjs, a parser of its printed figures.
import { resolve } from 'node:path';

const loghub = resolve(import.meta.dirname, '../../../shared/data/loghub/OpenSSH_2k.log');
const small = ['--messages=20000', '--rounds=1'];

/** @type {{ name: string, full: string[], quick: string[], requires?: string[], parse?: (text: string) => object[] }[]} */
export const BENCHES = [
  {
    name: 'file-to-file',
    full: [],
    quick: ['--lines=100000', '--rounds=1'],
  },
  {
    name: 'kafka-connect',
    full: [],
    quick: ['--messages=20000', '--partitions=1', '--pairs=file-source,file-sink,mirror'],
  },
  {
    name: 'kafka',
    full: [],
    quick: ['--messages=20000', '--rounds=1', '--only=java,platformatic,edgeplane'],
  },
  { name: 'redis-streams', full: [], quick: small },
  { name: 'nats', full: [], quick: small },
  { name: 'rabbitmq-streams', full: [], quick: small },
  { name: 'postgres', full: [], quick: small },
  { name: 's3', full: [], quick: small },
  { name: 'grpc', full: [], quick: small },
  { name: 'http', full: [], quick: [...small, '--flood=200'] },
  { name: 'websocket', full: [], quick: small },
  {
    name: 'stages',
    full: [`--input=${loghub}`],
    quick: [`--input=${loghub}`, '--lines=100000', '--rounds=1'],
    requires: [loghub],
  },
  {
    name: 'stage-costs',
    full: [`--input=${loghub}`],
    quick: [`--input=${loghub}`, '--lines=50000', '--rounds=1'],
    requires: [loghub],
  },
  { name: 'map-engines', full: [], quick: ['--objects=20000', '--rounds=1'] },
  { name: 'reporting', full: [], quick: ['--lines=100000', '--rounds=1'] },
  { name: 'latency', full: [], quick: ['--seconds=3', '--warmup=1'] },
  {
    name: 'soak',
    full: ['--minutes=2'],
    quick: ['--minutes=0.5', '--warmup=10', '--sample=5', '--rate=1000'],
  },
];
