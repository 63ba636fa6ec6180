import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  collect,
  crlfInput,
  exited,
  removeWorkdirs,
  runCli,
  spec,
  start,
  workdir,
} from './support/cli.js';

afterAll(() => removeWorkdirs());

/** The `--json` result of a run that must succeed. */
function result(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as {
    egressMessages: number;
    ackedMessages: number;
    reason: string;
  };
}

describe('edgeplane run with grpc (built CLI, two processes)', () => {
  it('file → grpc → file moves 2000 CRLF lines intact and in order (grpc → file started first)', async () => {
    const port = await freePort();
    const { input, expected } = crlfInput(2000, 'event');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'from-grpc.kv': adapters(
        { transport: 'grpc', listen: `127.0.0.1:${port}`, authToken: '${EP_TOKEN}' },
        { transport: 'file', path: 'out.log' },
      ),
      'to-grpc.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'grpc', url: `http://127.0.0.1:${port}`, authToken: '${EP_TOKEN}' },
      ),
    });
    process.env.EP_TOKEN = 'cli-token-7d1f';
    const reader = start(
      [
        'run',
        '--spec=spec.kv',
        '--config=from-grpc.kv',
        '--lane-path=lane-in',
        '--adapter-max-messages=2000',
        '--json',
      ],
      cwd,
    );
    const readerOut = collect(reader);
    await waitForTcp('127.0.0.1', port, 20_000);
    const writer = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-grpc.kv', '--lane-path=lane-out', '--json'],
        cwd,
      ),
    );
    expect(writer.egressMessages).toBe(2000);
    expect(await exited(reader), readerOut.text()).toBe(0);
    expect(JSON.parse(readerOut.stdout())).toMatchObject({
      egressMessages: 2000,
      reason: 'max-messages',
    });
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
    expect(readerOut.text()).not.toContain('cli-token-7d1f');
  }, 60_000);

  it('four bounded grpc → file runs (--adapter-max-messages=500) under one writer: each line once, in order', async () => {
    const port = await freePort();
    const { input, expected } = crlfInput(2000, 'bounded');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'from-grpc.kv': adapters(
        { transport: 'grpc', listen: `127.0.0.1:${port}` },
        { transport: 'file', path: 'out.log' },
      ),
      // Batches of 300: every bounded run stops inside one, which the ingress then answers with
      // the count it took, and the writer sends only the rest to the next run.
      'to-grpc.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'grpc', url: `http://127.0.0.1:${port}` },
        { batchMaxMessages: 300, retryMaxDelayMs: 500, maxRetries: 100 },
      ),
    });
    const readOnce = async () => {
      const reader = start(
        [
          'run',
          '--spec=spec.kv',
          '--config=from-grpc.kv',
          '--lane-path=lane-in',
          '--adapter-max-messages=500',
          '--json',
        ],
        cwd,
      );
      const out = collect(reader);
      const done = exited(reader);
      // The writer is retrying: a reader may take its 500 messages and exit before a TCP probe
      // sees it listening. Its exit code and output are checked by the caller either way.
      await Promise.race([waitForTcp('127.0.0.1', port, 20_000), done]);
      return { done, out };
    };
    let reader = await readOnce();
    const writer = runCli(
      ['run', '--spec=spec.kv', '--config=to-grpc.kv', '--lane-path=lane-out', '--json'],
      cwd,
    );
    for (let run = 1; run <= 4; run++) {
      expect(await reader.done, reader.out.text()).toBe(0);
      expect(JSON.parse(reader.out.stdout()).egressMessages).toBe(500);
      const out = readFileSync(join(cwd, 'out.log'), 'utf8');
      expect(out.split('\n').length - 1).toBe(run * 500);
      if (run < 4) reader = await readOnce();
    }
    expect(result(await writer).egressMessages).toBe(2000);
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
  }, 90_000);

  it('a bad option is exit 2 naming it', async () => {
    const cwd = workdir({
      'spec.kv': spec(),
      'adapters.kv': adapters(
        { transport: 'grpc', listen: '127.0.0.1' },
        { transport: 'file', path: 'out.log' },
      ),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('listen');
    expect(run.stderr).toMatch(/expected host:port/);
  });

  it('a wrong authToken is exit 2 (unauthenticated) naming authToken, the tokens never printed', async () => {
    const port = await freePort();
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'from-grpc.kv': adapters(
        { transport: 'grpc', listen: `127.0.0.1:${port}`, authToken: 'right-token-91ab' },
        { transport: 'file', path: 'out.log' },
      ),
      'to-grpc.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'grpc', url: `http://127.0.0.1:${port}`, authToken: 'wrong-token-55cd' },
      ),
    });
    const reader = start(
      ['run', '--spec=spec.kv', '--config=from-grpc.kv', '--lane-path=lane-in'],
      cwd,
    );
    try {
      await waitForTcp('127.0.0.1', port, 20_000);
      const run = await runCli(
        ['run', '--spec=spec.kv', '--config=to-grpc.kv', '--lane-path=lane-out'],
        cwd,
      );
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('authToken');
      expect(run.stderr).toMatch(/UNAUTHENTICATED/);
      expect(run.stderr + run.stdout).not.toContain('wrong-token-55cd');
      expect(run.stderr + run.stdout).not.toContain('right-token-91ab');
    } finally {
      reader.kill('SIGTERM');
      await exited(reader);
    }
  }, 60_000);
});
