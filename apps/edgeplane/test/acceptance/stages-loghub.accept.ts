// Acceptance (not part of the unit suite): loghub files through parse → filter → redact(IPv4) →
// egress, with `edgeplane run`. The output must hold exactly the lines a plain regex counts in the
// input, and no IPv4 address. Run: scripts/acceptance/stages-loghub.sh ../shared/data/loghub
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { redisServer, uniqueName } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, workdir } from '../helpers.js';

const dir = process.env.EDGEPLANE_LOGHUB;
if (!dir)
  throw new Error(
    'set EDGEPLANE_LOGHUB to the loghub data directory (scripts/acceptance/stages-loghub.sh)',
  );
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;

interface Case {
  readonly file: string;
  readonly parse: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly filter: string;
  /** The independent count: input lines this plain regex matches. */
  readonly kept: RegExp;
}

const CASES: readonly Case[] = [
  // the issue names the Apache error log; the data directory may not hold it (see docs/stages)
  {
    file: 'Apache_2k.log',
    parse: 'parse:apache_error',
    settings: {},
    filter: 'level == "error"',
    kept: /^\[[^\]]+\] \[error\] /,
  },
  {
    file: 'Zookeeper_2k.log',
    parse: 'parse:regex',
    settings: {
      pattern: '^(?<date>\\S+ \\S+) - (?<level>[A-Z]+) +\\[(?<thread>.*?)\\] - (?<message>.*)$',
    },
    filter: 'level == "ERROR"',
    kept: /^\S+ \S+ - ERROR /,
  },
  {
    file: 'OpenSSH_2k.log',
    parse: 'parse:syslog',
    settings: {},
    filter: 'message.startsWith("Failed password")',
    kept: /^\w{3} [ \d]\d \S+ \S+ sshd\[\d+\]: Failed password/,
  },
  {
    file: 'Linux_2k.log',
    parse: 'parse:syslog',
    settings: {},
    filter: 'program == "sshd(pam_unix)"',
    kept: /^\w{3} [ \d]\d \S+ \S+ sshd\(pam_unix\)\[\d+\]: /,
  },
];

function spec(c: Case): string {
  const stages = [
    ['parse', c.parse],
    ['keep', 'filter'],
    ['mask', 'redact'],
  ];
  return `v=1\nname=accept\n${stages
    .map(
      ([id, key], i) =>
        `single_ring.stages.${i}.id=${id}\nsingle_ring.stages.${i}.stage=${key}\n${i ? `single_ring.stages.${i}.depends_on=${i - 1}\n` : ''}`,
    )
    .join('')}`;
}

function settings(c: Case): string {
  const lines = Object.entries(c.settings).map(([k, v]) => `stages.parse.${k}=${v}`);
  lines.push(`stages.keep.expression=${c.filter}`);
  lines.push('stages.mask.presets=ipv4');
  return `${lines.join('\n')}\n`;
}

function expected(c: Case): number {
  return readFileSync(join(dir as string, c.file), 'latin1')
    .split(/\r?\n/)
    .filter((l) => c.kept.test(l)).length;
}

function check(out: string, c: Case): void {
  const lines = out.split('\n').slice(0, -1);
  expect(lines).toHaveLength(expected(c));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(() => JSON.parse(line)).not.toThrow();
    expect(line).not.toMatch(IPV4);
  }
}

describe(`loghub files in ${dir}: parse → filter → redact(ipv4) → file`, () => {
  for (const c of CASES) {
    const input = join(dir, c.file);
    it.skipIf(!existsSync(input))(
      `${c.file}: ${c.parse}, filter ${c.filter}${existsSync(input) ? '' : ' (not in the data directory)'}`,
      async () => {
        const cwd = workdir({
          'spec.kv': spec(c),
          'adapters.kv': `ingress.transport=file\ningress.path=${input}\negress.transport=file\negress.path=\${EDGEPLANE_CONFIG_DIR}/out.log\n${settings(c)}`,
        });
        const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({
          ingressMessages: 2000,
          ackedMessages: 2000,
          egressMessages: expected(c),
        });
        check(readFileSync(join(cwd, 'out.log'), 'utf8'), c);
      },
    );
  }
});

describe('the same chain over Redis Streams in and out', () => {
  const c = CASES[1] as Case; // ZooKeeper: levels and IPv4 addresses in its ERROR lines
  const run = uniqueName('ep-accept');
  const streams = [`${run}-in`, `${run}-out`];
  let url = '';
  beforeAll(async () => {
    url = (await redisServer()()).url;
  });
  afterAll(async () => {
    const { Redis } = createRequire(
      require.resolve('@edgeplane/transport-redis-streams/package.json'),
    )('ioredis');
    const client = new Redis(url);
    await client.del(...streams);
    client.disconnect();
  });

  it(`${c.file}: file → redis-streams, redis-streams → chain → redis-streams, redis-streams → file`, async () => {
    const input = join(dir, c.file);
    const cwd = workdir({
      'identity.kv':
        'v=1\nname=copy\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n',
      'spec.kv': spec(c),
      'load.kv': `ingress.transport=file\ningress.path=${input}\negress.transport=redis-streams\negress.url=${url}\negress.stream=${streams[0]}\n`,
      'chain.kv': `ingress.transport=redis-streams\ningress.url=${url}\ningress.stream=${streams[0]}\negress.transport=redis-streams\negress.url=${url}\negress.stream=${streams[1]}\n${settings(c)}`,
      'drain.kv': `ingress.transport=redis-streams\ningress.url=${url}\ningress.stream=${streams[1]}\negress.transport=file\negress.path=\${EDGEPLANE_CONFIG_DIR}/out.log\n`,
    });
    const step = async (specFile: string, config: string, max: number) => {
      const r = await cli(
        [
          'run',
          `--spec=${specFile}`,
          `--config=${config}`,
          `--lane-path=${config}.lane`,
          `--adapter-max-messages=${max}`,
          '--json',
        ],
        { cwd },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { egressMessages: number };
    };
    expect((await step('identity.kv', 'load.kv', 2000)).egressMessages).toBe(2000);
    expect((await step('spec.kv', 'chain.kv', 2000)).egressMessages).toBe(expected(c));
    expect((await step('identity.kv', 'drain.kv', expected(c))).egressMessages).toBe(expected(c));
    check(readFileSync(join(cwd, 'out.log'), 'utf8'), c);
  });
});
