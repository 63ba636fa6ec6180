import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition } from './kafkajs.js';

const require = createRequire(import.meta.url);
const ORIGINAL = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

/** kafkajs's own implementation, compiled from its file (whatever the module cache holds). */
function original(): typeof groupMessagesPerPartition {
  const module = new Module(ORIGINAL);
  (module as unknown as { _compile(code: string, file: string): void })._compile(
    readFileSync(ORIGINAL, 'utf8'),
    ORIGINAL,
  );
  return module.exports as typeof groupMessagesPerPartition;
}

describe('the linear record grouping', () => {
  it('gives what kafkajs 2.2.4 gives: same partitioner calls, same order, same groups', () => {
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: 1 }));
    const messages = Array.from({ length: 500 }, (_, i) => ({
      key: i % 7 ? `k${i % 11}` : null,
      i,
    }));
    const run = (group: typeof groupMessagesPerPartition) => {
      const calls: number[] = [];
      let counter = 0;
      const result = group({
        topic: 't',
        partitionMetadata,
        messages,
        partitioner: ({ message }) => {
          calls.push(message.i);
          return message.key === null ? counter++ % 4 : Number(message.key.slice(1)) % 4;
        },
      });
      return { calls, result, keys: Object.keys(result) };
    };
    expect(run(groupMessagesPerPartition)).toEqual(run(original()));
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages,
        partitioner: () => 0,
      }),
    ).toEqual({});
  });

  it("is what kafkajs's producer uses once the package is loaded first", () => {
    const dist = join(import.meta.dirname, '../dist/index.js');
    const probe = `
      await import(${JSON.stringify(dist)});
      const { createRequire } = await import('node:module');
      const r = createRequire(${JSON.stringify(join(import.meta.dirname, '../package.json'))});
      console.log(r('kafkajs/src/producer/groupMessagesPerPartition.js').name);`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('groupMessagesPerPartition');
    expect(original().name).toBe('');
  });
});
