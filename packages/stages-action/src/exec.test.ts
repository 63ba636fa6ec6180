import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoop, createStageResolver } from '@edgeplane/adapter-loop';
import { isEdgeplaneError } from '@edgeplane/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { factoryContext, ListSink, ListSource, msg, stageContext } from '../test/fixtures.js';
import {
  type ActionRecord,
  type ActionStage,
  actionStageFactories,
  parseExecKey,
} from './index.js';

let dir: string;
let out: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stages-exec-'));
  out = join(dir, 'out.bin');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ENV = { BYTEOR_EXEC_ALLOWLIST: '/bin/sh, /bin/false' };

function stage(
  key: string,
  settings: Record<string, string> = {},
  env: Record<string, string> = ENV,
): ActionStage {
  return actionStageFactories(env)['exec:']?.(factoryContext(key, settings)) as ActionStage;
}

const appendTo = (file: string) => `exec:/bin/sh|-c|cat >> '${file}'`;

async function failure(promise: unknown): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('exec: delivery', () => {
  it('writes each message plus a newline to the child, forwards the input, one child per batch', async () => {
    const s = stage(appendTo(out));
    expect([s.capability, s.dryRun]).toEqual(['exec', false]);
    const first = [msg('alpha'), msg('beta')];
    expect(await s.process(first, stageContext())).toBe(first);
    await s.process([msg('gamma')], stageContext());
    expect(await readFile(out, 'utf8')).toBe('alpha\nbeta\ngamma\n');
    expect(s.counts()).toEqual({ executed: 3, dryRun: 0, retries: 0, failed: 0 });
  });

  it('passes binary bytes through exactly with framing=raw', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(200_000, 7); // larger than a pipe buffer
    await stage(appendTo(out), { framing: 'raw' }).process([msg(bytes), msg(big)], stageContext());
    expect((await readFile(out)).equals(Buffer.concat([bytes, big]))).toBe(true);
  });

  it('passes the arguments without a shell', async () => {
    const file = join(dir, 'it has spaces; and $(no) expansion');
    await stage(`exec:/bin/sh|-c|cat > "$1"|sh|${file}`).process([msg('x')], stageContext());
    expect(await readFile(file, 'utf8')).toBe('x\n');
  });

  it('does not hand secret-named variables to the child', async () => {
    process.env.EDGEPLANE_TEST_API_KEY = 'sk-should-not-leak';
    process.env.EDGEPLANE_TEST_PLAIN = 'visible';
    try {
      await stage(`exec:/bin/sh|-c|env > '${out}'`).process([msg('x')], stageContext());
    } finally {
      delete process.env.EDGEPLANE_TEST_API_KEY;
      delete process.env.EDGEPLANE_TEST_PLAIN;
    }
    const env = await readFile(out, 'utf8');
    expect(env).toContain('EDGEPLANE_TEST_PLAIN=visible');
    expect(env).not.toContain('sk-should-not-leak');
  });
});

describe('exec: failures stop the pipeline', () => {
  it('a non-zero exit is a stage error with the stderr tail', async () => {
    const s = stage('exec:/bin/sh|-c|cat >/dev/null; echo "disk full" >&2; exit 3');
    const error = await failure(s.process([msg('x')], stageContext()));
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      'unavailable',
      '[stage:exec] "/bin/sh" exited with code 3 (stage 1, id "act"): disk full',
    ]);
    expect(s.counts()).toMatchObject({ executed: 0, failed: 1 });
  });

  it('a child that exits before reading its input fails the batch', async () => {
    const error = await failure(
      stage('exec:/bin/false').process([msg('x'.repeat(200_000))], stageContext()),
    );
    expect(error.message).toBe('[stage:exec] "/bin/false" exited with code 1 (stage 1, id "act")');
  });

  it('a missing program is not-found', async () => {
    const s = stage('exec:/nonexistent/prog', {}, { BYTEOR_EXEC_ALLOWLIST: '/nonexistent/prog' });
    const error = await failure(s.process([msg('x')], stageContext()));
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      'not-found',
      '[stage:exec] cannot run "/nonexistent/prog": program not found',
    ]);
  });

  it('a child that outlives stages.<id>.timeout is killed', async () => {
    const t0 = performance.now();
    const error = await failure(
      stage('exec:/bin/sh|-c|sleep 5', { timeout: '0.2' }).process([msg('x')], stageContext()),
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      'timeout',
      '[stage:exec] "/bin/sh" did not finish within 0.2 s and was killed (stage 1, id "act")',
    ]);
  });

  it('the loop signal kills a running child (cancelled)', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const error = await failure(
      stage('exec:/bin/sh|-c|sleep 5').process([msg('x')], stageContext(abort.signal)),
    );
    expect(isEdgeplaneError(error) && error.code).toBe('cancelled');
  });
});

describe('exec: resolve-time checks', () => {
  it('is off unless the exact program string is allow-listed (permission-denied)', () => {
    expect(() => stage('exec:/bin/cat', {}, {})).toThrow(
      '[stage:exec] program "/bin/cat" is not in BYTEOR_EXEC_ALLOWLIST (stage 1, id "act"); exec is off unless the exact program string is listed',
    );
    // Exact strings: `sh` does not match `/bin/sh`, nor `/bin/sh ` with arguments.
    expect(() => stage('exec:sh|-c|true')).toThrow('program "sh" is not in BYTEOR_EXEC_ALLOWLIST');
    try {
      stage('exec:/usr/bin/env|sh');
    } catch (error) {
      expect(isEdgeplaneError(error) && [error.code, error.details?.variable]).toEqual([
        'permission-denied',
        'BYTEOR_EXEC_ALLOWLIST',
      ]);
    }
  });

  it('checks settings and the key', () => {
    expect(() => stage('exec:')).toThrow(
      '[stage:exec] missing program in "exec:" (stage 1, id "act")',
    );
    expect(() => stage(appendTo(out), { timeout: '0' })).toThrow(
      '`stages.act.timeout` must be seconds between 0 and 3600',
    );
    expect(() => stage(appendTo(out), { framing: 'json' })).toThrow(
      '`stages.act.framing` must be "newline" or "raw"',
    );
    expect(() => stage(appendTo(out), { shell: 'yes' })).toThrow(
      'unknown setting `stages.act.shell`',
    );
    expect(parseExecKey('exec:/bin/sh|-c|a b|')).toEqual({
      program: '/bin/sh',
      args: ['-c', 'a b', ''],
    });
  });

  it('refuses before the loop starts', async () => {
    const run = createLoop({
      spec: {
        name: 'x',
        capacity: 8,
        stages: [{ id: 'run', stage: 'exec:/bin/cat', dependsOn: [] }],
      },
      ingress: { transport: new ListSource(['a']) },
      egress: { transport: new ListSink() },
      stages: createStageResolver(actionStageFactories({})),
    }).run();
    const result = await run; // run() resolves with the failure (it never rejects)
    expect(result).toMatchObject({ state: 'failed', failedDuring: 'open' });
    expect(result.error?.code).toBe('permission-denied');
  });
});

describe('exec: dry-run and the loop', () => {
  it('dry-run records and counts but spawns nothing', async () => {
    const records: ActionRecord[] = [];
    const factory = actionStageFactories(ENV, { dryRun: true, record: (r) => records.push(r) })[
      'exec:'
    ];
    const s = factory?.(factoryContext(appendTo(out))) as ActionStage;
    await s.process([msg('a'), msg('b')], stageContext());
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(s.counts()).toMatchObject({ executed: 0, dryRun: 2 });
    expect(records.map((r) => [r.capability, r.messages, r.outcome])).toEqual([
      ['exec', 2, 'dry_run'],
    ]);
  });

  it('delivers every message through a running loop', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const sink = new ListSink();
    const result = await createLoop({
      spec: {
        name: 'x',
        capacity: 16,
        stages: [{ id: 'run', stage: appendTo(out), dependsOn: [] }],
      },
      ingress: { transport: new ListSource(bodies) },
      egress: { transport: sink },
      stages: createStageResolver(actionStageFactories(ENV)),
    }).run();
    expect(result.state).toBe('stopped');
    expect(await readFile(out, 'utf8')).toBe(bodies.map((b) => `${b}\n`).join(''));
    expect(sink.received).toEqual(bodies);
  });
});
