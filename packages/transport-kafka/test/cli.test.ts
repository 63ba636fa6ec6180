import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KafkaTestServer, kafkaServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertCliBuilt,
  fileBinding,
  kafkaBinding,
  readLines,
  removeDir,
  run,
  SPEC,
  workdir,
} from './cli-support.js';
import { Created, createTopic } from './support.js';

const created = new Created();
let server: KafkaTestServer;
const dirs: string[] = [];

beforeAll(async () => {
  assertCliBuilt();
  server = await kafkaServer()();
});
afterAll(async () => {
  await created.cleanup(server.brokers);
  await Promise.all(dirs.map(removeDir));
});

/** 2000 lines with CRLF endings, some empty, unicode and tabs, and an unterminated last line. */
function input(): { text: string; expected: string } {
  const lines = Array.from({ length: 2000 }, (_, i) =>
    i % 97 === 13 ? '' : `line ${i}\tünïcødé "q" \r inside ${'x'.repeat(i % 50)}`,
  );
  return { text: lines.join('\r\n'), expected: `${lines.join('\n')}\n` };
}

const FAST_INGRESS = { maxWaitTimeMs: 100, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 };

describe('edgeplane run with kafka (built CLI)', () => {
  it('file → kafka, then kafka → file: 2000 lines intact, in order; then 4 × 500 bounded runs move each once', async () => {
    const topic = created.name('ep-kafka-cli');
    await createTopic(server.brokers, topic, 1);
    const { text, expected } = input();
    const cwd = workdir({ 'spec.kv': SPEC, 'in.log': text });
    dirs.push(cwd);
    const brokers = server.brokers.join(',');

    const toKafka =
      fileBinding('ingress', join(cwd, 'in.log')) + kafkaBinding('egress', { brokers, topic });
    const wrote = await run(
      [
        'run',
        '--spec=spec.kv',
        `--config=${write(cwd, 'to-kafka.kv', toKafka)}`,
        '--lane-path=lane-in',
        '--json',
      ],
      cwd,
    );
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(JSON.parse(wrote.stdout).egressMessages).toBe(2000);

    const group = `${topic}-whole`;
    created.groups.add(group);
    const fromKafka =
      kafkaBinding('ingress', {
        brokers,
        topic,
        groupId: group,
        fromBeginning: true,
        ...FAST_INGRESS,
      }) + fileBinding('egress', join(cwd, 'out.log'));
    const read = await run(
      [
        'run',
        '--spec=spec.kv',
        `--config=${write(cwd, 'from-kafka.kv', fromKafka)}`,
        '--lane-path=lane-out',
        '--adapter-max-messages=2000',
        '--json',
      ],
      cwd,
    );
    expect(read.code, read.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);

    const bounded = `${topic}-bounded`;
    created.groups.add(bounded);
    const config = write(
      cwd,
      'bounded.kv',
      kafkaBinding('ingress', {
        brokers,
        topic,
        groupId: bounded,
        fromBeginning: true,
        ...FAST_INGRESS,
      }) + fileBinding('egress', join(cwd, 'bounded.log')),
    );
    for (let i = 1; i <= 4; i++) {
      const r = await run(
        [
          'run',
          '--spec=spec.kv',
          `--config=${config}`,
          '--lane-path=lane-bounded',
          '--adapter-max-messages=500',
          '--json',
        ],
        cwd,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).egressMessages).toBe(500);
      expect(await readLines(join(cwd, 'bounded.log'))).toHaveLength(i * 500);
    }
    expect(readFileSync(join(cwd, 'bounded.log'), 'utf8')).toBe(expected);
  }, 120_000);
});

function write(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
