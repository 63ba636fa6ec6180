import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { createLoop, createStageResolver, type LoopResult } from '../src/index.js';
import { bodies, MemorySink, MemorySource, spec } from './memory.js';

/** run() must resolve (never reject) with a failed result. */
async function failed(run: Promise<LoopResult>): Promise<LoopResult> {
  const result = await run;
  expect(result.state).toBe('failed');
  expect(result.error?.name).toBe('EdgeplaneError');
  return result;
}

describe('after createLoop returned, run() resolves with state failed (it never rejects)', () => {
  it('open failure: failedDuring open, the transport error code, both transports closed', async () => {
    const sink = new MemorySink();
    sink.open = async () => {
      throw new EdgeplaneError('unavailable', 'transport:memory', 'cannot connect to 127.0.0.1:1');
    };
    const r = await failed(
      createLoop({
        spec: spec(),
        ingress: { transport: new MemorySource(bodies(5)) },
        egress: { transport: sink },
      }).run(),
    );
    expect(r).toMatchObject({ failedDuring: 'open', reason: 'failed', ingressMessages: 0 });
    expect(r.error?.code).toBe('unavailable');
    expect(r.error?.message).toBe('[transport:memory] cannot connect to 127.0.0.1:1');
  });

  it('lane conflict inside one process: the second loop fails with conflict; the first keeps its pid file', async () => {
    const lanePath = await mkdtemp(join(tmpdir(), 'ep-lane-'));
    const first = createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(bodies(5), 10, true) },
      egress: { transport: new MemorySink() },
      lanePath,
    });
    const running = first.run();
    await new Promise((r) => setTimeout(r, 50));
    const second = new MemorySource(bodies(5));
    const r = await failed(
      createLoop({
        spec: spec(),
        ingress: { transport: second },
        egress: { transport: new MemorySink() },
        lanePath,
      }).run(),
    );
    expect(r.failedDuring).toBe('open');
    expect(r.error?.code).toBe('conflict');
    expect(r.error?.message).toContain(`lane path ${lanePath} is in use by a running loop`);
    expect(second.committed).toBe(0);
    expect(existsSync(join(lanePath, 'loop.pid'))).toBe(true);
    expect((await readFile(join(lanePath, 'loop.pid'), 'utf8')).trim()).toBe(String(process.pid));
    const snap = JSON.parse(await readFile(join(lanePath, 'snapshot.json'), 'utf8'));
    expect(snap.state).not.toBe('failed');
    first.stop();
    expect((await running).state).toBe('stopped');
    expect(existsSync(join(lanePath, 'loop.pid'))).toBe(false);
  });

  it('a stage factory that refuses its settings: failedDuring open, the stage id named', async () => {
    const stages = createStageResolver({
      strict: ({ id, settings }) => {
        throw new EdgeplaneError(
          'invalid-config',
          'stage',
          `stages.${id}.mode: got "${settings.mode}"`,
        );
      },
    });
    const r = await failed(
      createLoop({
        spec: spec([{ id: 'guard', stage: 'strict', dependsOn: [] }]),
        ingress: { transport: new MemorySource(bodies(5)) },
        egress: { transport: new MemorySink() },
        stages,
        stageSettings: { guard: { mode: 'loose' } },
      }).run(),
    );
    expect(r.failedDuring).toBe('open');
    expect(r.error?.code).toBe('invalid-config');
    expect(r.error?.message).toBe('[stage] stages.guard.mode: got "loose"');
  });

  it('stage crash: code internal, the stage id, index and key named, nothing acknowledged past it', async () => {
    const source = new MemorySource(bodies(50), 10);
    const stages = createStageResolver({
      explode: () => ({
        key: 'explode',
        process: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'x')");
        },
      }),
    });
    const r = await failed(
      createLoop({
        spec: spec([
          { id: 'pass', stage: 'identity', dependsOn: [] },
          { id: 'enrich', stage: 'explode', dependsOn: [0] },
        ]),
        ingress: { transport: source },
        egress: { transport: new MemorySink() },
        stages,
      }).run(),
    );
    expect(r.failedDuring).toBe('run');
    expect(r.error?.code).toBe('internal');
    expect(r.error?.message).toBe(
      `[adapter-loop] stage "enrich" (index 1, explode) threw: TypeError: Cannot read properties of undefined (reading 'x')`,
    );
    expect(r.error?.details).toMatchObject({ stage: 'enrich', index: 1, key: 'explode' });
    expect(r.ackedMessages).toBe(0);
    expect(source.committed).toBe(0);
  });
});
