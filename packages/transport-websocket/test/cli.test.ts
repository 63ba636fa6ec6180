import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  crlfInput,
  finished,
  readText,
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

const TOKEN = 'cli-test-token-5f1e';
const env = { WS_TOKEN: TOKEN };

describe('edgeplane run with websocket (built CLI, two processes over loopback)', () => {
  it('websocket → file started first, then file → websocket: 2000 CRLF lines intact and in order', async () => {
    const port = await freePort();
    const { input, expected } = crlfInput(2000, 'event');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'from-ws.kv': adapters(
        {
          transport: 'websocket',
          listen: `127.0.0.1:${port}`,
          path: '/in',
          authToken: '${WS_TOKEN}',
        },
        { transport: 'file', path: 'out.log' },
      ),
      'to-ws.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'websocket', url: `ws://127.0.0.1:${port}/in`, authToken: '${WS_TOKEN}' },
      ),
    });
    const reading = finished(
      start(
        [
          'run',
          '--spec=spec.kv',
          '--config=from-ws.kv',
          '--lane-path=lane-b',
          '--adapter-max-messages=2000',
          '--json',
        ],
        cwd,
        env,
      ),
    );
    await waitForTcp('127.0.0.1', port, 20_000);
    const write = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-ws.kv', '--lane-path=lane-a', '--json'],
        cwd,
        env,
      ),
    );
    expect(write.egressMessages).toBe(2000);
    const read = result(await reading);
    expect(read).toMatchObject({
      egressMessages: 2000,
      ackedMessages: 2000,
      reason: 'max-messages',
    });
    expect(readText(join(cwd, 'out.log'))).toBe(expected);
    const printed = JSON.stringify([write, read]);
    expect(printed).not.toContain(TOKEN);
  }, 60_000);

  it('four bounded ingress runs of 500 take 2000 lines from one egress run, each once, in order', async () => {
    const port = await freePort();
    const { input, expected } = crlfInput(2000, 'bounded');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'from-ws.kv': adapters(
        { transport: 'websocket', listen: `127.0.0.1:${port}`, maxInFlight: 200 },
        { transport: 'file', path: 'out.log' },
      ),
      'to-ws.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'websocket', url: `ws://127.0.0.1:${port}/`, reconnectMaxDelayMs: 200 },
        { retryMaxDelayMs: 200, maxRetries: 1000 },
      ),
    });
    const writing = finished(
      start(['run', '--spec=spec.kv', '--config=to-ws.kv', '--lane-path=lane-a', '--json'], cwd),
    );
    for (let run = 1; run <= 4; run++) {
      const r = result(
        await runCli(
          [
            'run',
            '--spec=spec.kv',
            '--config=from-ws.kv',
            '--lane-path=lane-b',
            '--adapter-max-messages=500',
            '--json',
          ],
          cwd,
        ),
      );
      expect(r.egressMessages).toBe(500);
      expect(readText(join(cwd, 'out.log')).split('\n').length - 1).toBe(run * 500);
    }
    expect(result(await writing).egressMessages).toBe(2000);
    expect(readText(join(cwd, 'out.log'))).toBe(expected);
  }, 90_000);

  it('a bad option is exit 2 naming it, and a wrong token is a permanent auth error (exit 2)', async () => {
    const port = await freePort();
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': 'one\n',
      'bad.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'websocket', url: `http://127.0.0.1:${port}/` },
      ),
      'server.kv': adapters(
        { transport: 'websocket', listen: `127.0.0.1:${port}`, authToken: 'right-token' },
        { transport: 'file', path: 'out.log' },
      ),
      'wrong.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'websocket', url: `ws://127.0.0.1:${port}/`, authToken: '${WS_TOKEN}' },
      ),
    });
    const bad = await runCli(['run', '--spec=spec.kv', '--config=bad.kv', '--lane-path=lane'], cwd);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('"url"');
    expect(bad.stderr).toContain('expected a ws://host:port/path or wss://host:port/path URL');
    const server = start(
      [
        'run',
        '--spec=spec.kv',
        '--config=server.kv',
        '--lane-path=lane-s',
        '--adapter-max-messages=1',
      ],
      cwd,
    );
    const serverDone = finished(server);
    try {
      await waitForTcp('127.0.0.1', port, 20_000);
      const wrong = await runCli(
        ['run', '--spec=spec.kv', '--config=wrong.kv', '--lane-path=lane-w'],
        cwd,
        env,
      );
      expect(wrong.code, wrong.stderr).toBe(2);
      expect(wrong.stderr).toMatch(/401/);
      expect(wrong.stderr).toMatch(/hint:.*authToken/);
      expect(wrong.stderr + wrong.stdout).not.toContain(TOKEN);
    } finally {
      server.kill('SIGTERM');
      await serverDone;
    }
  }, 60_000);
});
